#pragma once
/// A Site answers one request line: it knows the served hosts, their names and ports, and
/// holds each host's loaded capsule; it knows nothing about sockets.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "capsule/capsule.hpp"
#include "gemini/status.hpp"

namespace kapsel::site {

/// One served host: its names (lower case, no trailing dot; the first canonical) and capsule.
struct HostSite {
    std::vector<std::string> names;
    std::shared_ptr<const capsule::Capsule> capsule;
};

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

class Site {
public:
    /// `public_port`: the port clients use, behind port forwarding.
    Site(std::vector<HostSite> hosts, std::optional<std::uint16_t> public_port);

    /// Answers the request line `line` (without CRLF) that arrived on a listener bound to
    /// `local_port`. Never throws for any input.
    Reply respond(std::string_view line, std::uint16_t local_port) const;

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
