#include "site/site.hpp"

#include <algorithm>

#include "gemini/request.hpp"
#include "gemini/titan.hpp"
#include "gemini/uri.hpp"
#include "upload/authorisation.hpp"

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

namespace {

// What the zone `path` is in says to `certificate`, when it refuses it.
std::optional<Reply> zone_refusal(const HostSite& host, std::string_view path, const ClientCertificate* certificate) {
    const Zone* zone = zone_for(host, path);
    if (!zone) return std::nullopt;
    if (!certificate) return header_only(Status::client_certificate_required, "Client certificate required");
    if (!certificate->valid_now)
        return header_only(Status::certificate_not_valid, "Certificate not valid: expired or not yet valid");
    if (!zone->allow.empty() &&
        std::find(zone->allow.begin(), zone->allow.end(), certificate->fingerprint) == zone->allow.end())
        return header_only(Status::certificate_not_authorised, "Certificate not authorised here");
    return std::nullopt;
}

}  // namespace

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
    return std::any_of(hosts_.begin(), hosts_.end(), [](const HostSite& h) {
        return !h.zones.empty() || (h.titan.enabled && !h.titan.allow.empty());
    });
}

std::variant<Reply, Upload> Site::admit_upload(std::string_view line, std::uint16_t local_port,
                                               const ClientCertificate* certificate) const {
    auto parsed = gemini::parse_titan_request(line);
    if (auto* rejection = std::get_if<gemini::Rejection>(&parsed)) {
        // A path no Gemini request reaches (a dot-file, an encoded '/', '\\' or NUL) is 51 for
        // a Gemini request; for an upload, say plainly that nothing is written there.
        if (rejection->status == Status::not_found)
            return header_only(Status::bad_request,
                               "Nothing is uploaded to dot-files or names with an encoded '/', '\\' or NUL");
        return header_only(rejection->status, rejection->meta);
    }
    auto& titan = std::get<gemini::TitanUpload>(parsed);
    const gemini::Request& request = titan.target;
    const HostSite* host = find_host(request.host);
    if (!host) return header_only(Status::proxy_request_refused, "This server does not serve that host");
    if (!serves_port(request.port, local_port))
        return header_only(Status::proxy_request_refused, "This server does not serve that port");
    if (!host->titan.enabled) return header_only(Status::bad_request, "Titan uploads are not enabled on this host");

    Upload upload;
    upload.host = static_cast<std::size_t>(host - hosts_.data());
    upload.host_name = request.host;
    upload.port = request.port;
    upload.path = request.path;
    upload.min_rate = host->titan.min_rate;
    if (titan.edit) {
        // The source of a page for its writer to edit: what reading the page needs, and what a
        // client sends for it (Lagrange sends no token with it).
        if (auto refusal = zone_refusal(*host, request.path, certificate)) return std::move(*refusal);
        auto target = upload::upload_target(host->titan, request.path, titan.mime, true);
        if (auto* rejection = std::get_if<gemini::Rejection>(&target))
            return header_only(rejection->status, rejection->meta);
        upload.target = std::get<upload::Target>(std::move(target));
        upload.edit = true;
        upload.by = certificate ? certificate->fingerprint : "-";
        return upload;
    }

    upload::Credentials who;
    if (titan.token) who.token = *titan.token;
    if (certificate) {
        who.fingerprint = certificate->fingerprint;
        who.certificate_valid_now = certificate->valid_now;
    }
    auto by = upload::authorise(host->titan, who);
    if (auto* rejection = std::get_if<gemini::Rejection>(&by)) return header_only(rejection->status, rejection->meta);
    if (titan.size > host->titan.max_size)
        return header_only(Status::bad_request, "Upload of " + std::to_string(titan.size) + " bytes is over the limit of " +
                                                    std::to_string(host->titan.max_size) + " bytes");
    auto target = upload::upload_target(host->titan, request.path, titan.mime, titan.size == 0);
    if (auto* rejection = std::get_if<gemini::Rejection>(&target)) return header_only(rejection->status, rejection->meta);

    upload.target = std::get<upload::Target>(std::move(target));
    upload.size = titan.size;
    upload.by = std::get<std::string>(std::move(by));
    return upload;
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
    if (auto refusal = zone_refusal(*host, request.path, certificate)) return std::move(*refusal);

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
