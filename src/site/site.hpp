#pragma once
/// A Site answers one request line: it knows the served hosts and ports and holds one
/// loaded capsule; it knows nothing about sockets.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "capsule/capsule.hpp"
#include "gemini/status.hpp"

namespace kapsel::site {

/// Who this server answers for.
struct HostRules {
    std::vector<std::string> hostnames;      // lower case, no trailing dot
    std::optional<std::uint16_t> public_port;  // the port clients use, behind port forwarding
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
    Site(std::shared_ptr<const capsule::Capsule> capsule, HostRules rules);

    /// Answers the request line `line` (without CRLF) that arrived on a listener bound to
    /// `local_port`. Never throws for any input.
    Reply respond(std::string_view line, std::uint16_t local_port) const;

    const capsule::Capsule& capsule() const { return *capsule_; }

private:
    bool serves_host(std::string_view host) const;
    bool serves_port(std::optional<std::uint16_t> port, std::uint16_t local_port) const;

    std::shared_ptr<const capsule::Capsule> capsule_;
    HostRules rules_;
};

/// A reply that is only a header (every status but 2x), for callers outside a Site too.
Reply header_only(gemini::Status status, std::string_view meta);

}  // namespace kapsel::site
