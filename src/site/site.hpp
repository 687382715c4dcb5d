#pragma once
/// A Site answers one request line: it knows the served hosts, their names and ports, and
/// holds each host's loaded capsule; it knows nothing about sockets.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "capsule/capsule.hpp"
#include "config/config.hpp"
#include "gemini/status.hpp"
#include "upload/target.hpp"

namespace kapsel::site {

/// Pages behind a client certificate: `path` (decoded, no trailing slash) and everything below.
struct Zone {
    std::string path;
    std::vector<std::string> allow;  // "AB:CD:..." fingerprints; empty: any certificate in its dates
};

/// One served host: its names (lower case, no trailing dot; the first canonical), its capsule,
/// its zones and who may upload into it.
struct HostSite {
    std::vector<std::string> names;
    std::shared_ptr<const capsule::Capsule> capsule;
    std::vector<Zone> zones;
    config::TitanSettings titan;
};

/// The certificate a client presented in its handshake, as the TLS layer saw it.
struct ClientCertificate {
    std::string fingerprint;  // SHA-256, "AB:CD:..."
    bool valid_now = false;   // the server's clock within its notBefore and notAfter
};

/// The zone of `host` that `path` falls in (the most specific), or nullptr.
const Zone* zone_for(const HostSite& host, std::string_view path);

/// The answer to one request: bytes to send (header, and body for 2x) and what to log.
/// `bytes` points into the Site's prebuilt responses or into `owned`; keep the Site (and
/// the Reply) alive until the bytes are written.
struct Reply {
    gemini::Status status = gemini::Status::bad_request;
    std::string_view bytes;
    std::string owned;

    Reply() = default;
    Reply(const Reply&) = delete;
    Reply& operator=(const Reply&) = delete;
    Reply(Reply&& other) noexcept { *this = std::move(other); }
    Reply& operator=(Reply&& other) noexcept;
};

/// A Titan upload the site admitted from its request line alone: who sent it, where it goes and
/// how big it is. The body is read next, then the upload is published (server/publisher.hpp).
struct Upload {
    std::size_t host = 0;               // index into Site::hosts()
    std::string host_name;              // as requested (lower case): the response's URL names it
    std::optional<std::uint16_t> port;  // as requested
    std::string path;                   // the request's decoded path
    upload::Target target;
    std::uint64_t size = 0;             // body bytes; 0 deletes
    bool edit = false;                  // ";edit": no body, the document's source is asked for
    std::string by;                     // "token", the client certificate's fingerprint, or "-"
    double min_rate = 4096;             // the host's titan.min_rate, bytes per second
    std::string body;                   // filled in once read
};

class Site {
public:
    /// `public_port`: the port clients use, behind port forwarding.
    Site(std::vector<HostSite> hosts, std::optional<std::uint16_t> public_port);

    /// Answers the request line `line` (without CRLF) that arrived on a listener bound to
    /// `local_port`, over a handshake that presented `certificate` (nullptr: none). Inside a
    /// zone: no certificate 60, one outside its dates 62, one the zone does not allow 61.
    /// Never throws for any input.
    Reply respond(std::string_view line, std::uint16_t local_port,
                  const ClientCertificate* certificate = nullptr) const;

    /// A Titan request line (without CRLF; its scheme is "titan"), judged before any of its
    /// body is read: the Upload to read the body for, or the reply that refuses it. The line's
    /// rules are a Gemini request's (59, and 53 for a host or port not served); then titan
    /// disabled for the host 59; no token or certificate 60, not accepted 61, an allowed
    /// certificate outside its dates 62 (upload/authorisation.hpp); a size over titan.max_size
    /// 59; a target refused by upload_target 59. An ";edit" request (no body: the source of a
    /// document in titan.paths is asked for) needs what reading the page needs, its zone's
    /// certificate if it is in one, and no token. Never throws for any input.
    std::variant<Reply, Upload> admit_upload(std::string_view line, std::uint16_t local_port,
                                             const ClientCertificate* certificate = nullptr) const;

    /// True when some host has a zone or lets certificates upload, so handshakes must ask for
    /// client certificates.
    bool wants_client_certificates() const;

    const std::vector<HostSite>& hosts() const { return hosts_; }
    /// The host that has `name` (lower case), or nullptr.
    const HostSite* find_host(std::string_view name) const;

private:
    bool serves_port(std::optional<std::uint16_t> port, std::uint16_t local_port) const;

    std::vector<HostSite> hosts_;
    std::optional<std::uint16_t> public_port_;
    std::vector<std::pair<std::string, const HostSite*>> by_name_;  // sorted by name
};

/// A reply that is only a header (every status but 2x), for callers outside a Site too.
Reply header_only(gemini::Status status, std::string_view meta);

}  // namespace kapsel::site
