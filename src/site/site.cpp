#include "site/site.hpp"

#include <algorithm>

#include "gemini/request.hpp"
#include "gemini/uri.hpp"

namespace kapsel::site {

using gemini::Status;

namespace {
constexpr std::uint16_t default_port = 1965;
}

Reply& Reply::operator=(Reply&& other) noexcept {
    status = other.status;
    const bool points_into_owned =
        !other.owned.empty() && other.bytes.data() == other.owned.data();
    owned = std::move(other.owned);
    bytes = points_into_owned ? std::string_view(owned) : other.bytes;
    return *this;
}

Reply header_only(Status status, std::string_view meta) {
    Reply reply;
    reply.status = status;
    reply.owned = gemini::response_header(status, meta);
    reply.bytes = reply.owned;
    return reply;
}

Site::Site(std::vector<HostSite> hosts, std::optional<std::uint16_t> public_port)
    : hosts_(std::move(hosts)), public_port_(public_port) {
    for (const HostSite& h : hosts_)
        for (const std::string& name : h.names) by_name_.emplace_back(name, &h);
    std::sort(by_name_.begin(), by_name_.end());
}

const HostSite* Site::find_host(std::string_view name) const {
    const auto it = std::lower_bound(by_name_.begin(), by_name_.end(), name,
                                     [](const auto& entry, std::string_view n) { return entry.first < n; });
    return it != by_name_.end() && it->first == name ? it->second : nullptr;
}

bool Site::serves_port(std::optional<std::uint16_t> port, std::uint16_t local_port) const {
    // No port, or the default one, names the same server (RFC 3986 §6.2.3); so does the
    // port the client reached us on and the public port a forwarder maps to us.
    if (!port || *port == default_port || *port == local_port) return true;
    return public_port_ && *port == *public_port_;
}

const Zone* zone_for(const HostSite& host, std::string_view path) {
    const Zone* best = nullptr;
    for (const Zone& z : host.zones) {
        const bool inside = z.path == "/" || path == z.path ||
                            (path.starts_with(z.path) && path.size() > z.path.size() && path[z.path.size()] == '/');
        if (inside && (!best || z.path.size() > best->path.size())) best = &z;
    }
    return best;
}

bool Site::wants_client_certificates() const {
    return std::any_of(hosts_.begin(), hosts_.end(), [](const HostSite& h) { return !h.zones.empty(); });
}

Reply Site::respond(std::string_view line, std::uint16_t local_port, const ClientCertificate* certificate) const {
    auto parsed = gemini::parse_request(line);
    if (auto* rejection = std::get_if<gemini::Rejection>(&parsed))
        return header_only(rejection->status, rejection->meta);
    const auto& request = std::get<gemini::Request>(parsed);

    if (request.scheme != "gemini")
        return header_only(Status::proxy_request_refused, "This server does not proxy: " + request.scheme);
    const HostSite* host = find_host(request.host);
    if (!host) return header_only(Status::proxy_request_refused, "This server does not serve that host");
    if (!serves_port(request.port, local_port))
        return header_only(Status::proxy_request_refused, "This server does not serve that port");

    // A zone answers before the capsule is asked, so what is behind it cannot be probed.
    if (const Zone* zone = zone_for(*host, request.path)) {
        if (!certificate) return header_only(Status::client_certificate_required, "Client certificate required");
        if (!certificate->valid_now)
            return header_only(Status::certificate_not_valid, "Certificate not valid: expired or not yet valid");
        if (!zone->allow.empty() &&
            std::find(zone->allow.begin(), zone->allow.end(), certificate->fingerprint) == zone->allow.end())
            return header_only(Status::certificate_not_authorised, "Certificate not authorised here");
    }

    const capsule::Capsule& capsule = *host->capsule;
    if (const auto* response = capsule.find(request.host, request.path)) {
        Reply reply;
        reply.status = Status::success;
        reply.bytes = response->bytes;
        return reply;
    }
    if (capsule.is_gone(request.path)) return header_only(Status::gone, "Gone");
    if (const auto redirect = capsule.redirect_for(request.path)) {
        std::string target = redirect->target.starts_with("gemini://") ? redirect->target
                                                                        : gemini::encode_path(redirect->target);
        target += gemini::encode_path(redirect->rest);
        if (request.query) target += "?" + *request.query;
        return header_only(redirect->permanent ? Status::redirect_permanent : Status::redirect_temporary, target);
    }
    if (request.path.back() != '/' && capsule.is_directory(request.path)) {
        std::string target = gemini::encode_path(request.path) + "/";
        if (request.query) target += "?" + *request.query;
        return header_only(Status::redirect_permanent, target);
    }
    return header_only(Status::not_found, "Not found");
}

}  // namespace kapsel::site
