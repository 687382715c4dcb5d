#include "server/serving_state.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <map>

#include "capsule/capsule.hpp"
#include "net/certificate.hpp"

namespace kapsel::server {
namespace {

// The directory, not the file: editors and deploy tools replace files by renaming a new one
// over them, and a reload must still be able to read that one.
std::filesystem::path directory_of(const std::filesystem::path& file) {
    return file.has_parent_path() ? file.parent_path() : std::filesystem::path(".");
}

std::filesystem::path capsule_access_root(const std::filesystem::path& root) {
    std::filesystem::path p = root;
    if (!p.has_filename()) p = p.parent_path();  // "/srv/capsule/" → "/srv/capsule"
    const auto parent = p.parent_path();
    return parent.empty() || parent == parent.root_path() ? p : parent;
}

std::string join(const std::vector<std::string>& items) {
    std::string out;
    for (const auto& i : items) out += (out.empty() ? "" : ", ") + i;
    return out;
}

}  // namespace

std::shared_ptr<const site::Site> load_site(const config::Config& config, const capsule::HostEdit* edit,
                                            const site::Site* previous, const capsule::DiskChanges* changes) {
    std::map<std::string, std::shared_ptr<const capsule::Capsule>, std::less<>> before;
    if (previous)
        for (const auto& h : previous->hosts()) before.emplace(h.names.front(), h.capsule);
    auto capsules = capsule::load_capsules(config, edit, before, changes);
    for (const auto& c : capsules)
        for (const auto& w : c->warnings()) spdlog::warn("{}", w);
    std::vector<site::HostSite> hosts;
    for (std::size_t i = 0; i < config.hosts.size(); ++i) {
        std::vector<site::Zone> zones;
        for (const auto& z : config.hosts[i].zones) zones.push_back({z.path, z.allow});
        hosts.push_back({config.hosts[i].names, std::move(capsules[i]), std::move(zones), config.hosts[i].titan});
    }
    return std::make_shared<const site::Site>(std::move(hosts), config.server.public_port);
}

void ensure_certificates(const config::Config& config) {
    for (const auto& host : config.hosts) {
        // The single-host form's certificate also names localhost and the loopback addresses,
        // as it always did; a [[host]]'s names only its own names.
        const auto status = net::ensure_certificate(host.certificate, host.key, host.names, host.table.empty());
        if (status.created)
            spdlog::info("created a self-signed certificate {} (key {}) for {}", host.certificate.string(),
                         host.key.string(), join(host.names));
    }
}

net::TlsOptions tls_options(const config::Config& config, unsigned session_tickets, net::TicketKeys* keys) {
    net::TlsOptions o;
    o.session_tickets = keys ? session_tickets : 0;
    o.ticket_keys = o.session_tickets > 0 ? keys : nullptr;
    for (const auto& g : config.tls.groups) o.groups += (o.groups.empty() ? "" : ":") + g;
    // Asked for in every handshake when any host has a zone or lets certificates upload: SNI
    // may name another host than the request does, and the request's host decides.
    o.request_client_certificates = std::any_of(config.hosts.begin(), config.hosts.end(), [](const auto& h) {
        return !h.zones.empty() || (h.titan.enabled && !h.titan.allow.empty());
    });
    return o;
}

std::shared_ptr<const net::TlsHosts> load_tls(const config::Config& config, const net::TlsOptions& options,
                                              const net::TlsHosts* previous) {
    std::vector<std::string> problems;
    auto tls = net::TlsHosts::load(config, options, previous, problems);
    for (const auto& p : problems) spdlog::warn("certificate not reloaded: {}", p);
    for (const auto& host : tls->hosts()) {
        const bool known = previous && std::any_of(previous->hosts().begin(), previous->hosts().end(),
                                                   [&](const auto& h) { return h.context == host.context; });
        if (!known)
            spdlog::info("certificate SHA-256 fingerprint {} (valid until {}) for {}", host.context->fingerprint(),
                         host.context->not_after(), join(host.names));
    }
    return tls;
}

std::vector<std::string> restart_only_changes(const config::Config& a, const config::Config& b) {
    std::vector<std::string> changed;
    auto note = [&](bool differs, const char* key) {
        if (differs) changed.emplace_back(key);
    };
    const auto& s = a.server;
    const auto& t = b.server;
    std::vector<std::string> la, lb;
    for (const auto& l : s.listen) la.push_back(l.to_string() + "/" + std::to_string(static_cast<int>(l.proxy_protocol)));
    for (const auto& l : t.listen) lb.push_back(l.to_string() + "/" + std::to_string(static_cast<int>(l.proxy_protocol)));
    note(la != lb, "server.listen");
    note(s.request_timeout != t.request_timeout, "server.request_timeout");
    note(s.response_timeout != t.response_timeout, "server.response_timeout");
    note(s.shutdown_grace != t.shutdown_grace, "server.shutdown_grace");
    note(s.max_connections != t.max_connections, "server.max_connections");
    note(s.max_connections_per_address != t.max_connections_per_address, "server.max_connections_per_address");
    note(s.workers != t.workers, "server.workers");
    note(s.rate_limit_per_second != t.rate_limit_per_second || s.rate_limit_burst != t.rate_limit_burst,
         "server.rate_limit_*");
    note(s.user != t.user || s.group != t.group || s.allow_root != t.allow_root, "server.user/group/allow_root");
    note(a.tls.ticket_key_file != b.tls.ticket_key_file || a.tls.session_tickets != b.tls.session_tickets,
         "tls.ticket_key_file/session_tickets");
    note(a.log.level != b.log.level || !(a.log.access_log == b.log.access_log), "log.*");
    note(a.watch != b.watch, "capsule.watch");
    return changed;
}

std::string status_line(const site::Site& site) {
    std::size_t resources = 0, entries = 0;
    std::vector<std::string> names;
    for (const auto& h : site.hosts()) {
        resources += h.capsule->size();
        entries += h.capsule->entry_count();
        names.push_back(h.names.front());
    }
    return "serving " + std::to_string(site.hosts().size()) + (site.hosts().size() == 1 ? " host (" : " hosts (") +
           join(names) + "): " + std::to_string(resources) + " resources, " + std::to_string(entries) +
           " feed entries";
}

std::vector<std::filesystem::path> readable_paths(const config::Config& config) {
    std::vector<std::filesystem::path> paths{directory_of(config.file)};
    for (const auto& host : config.hosts) {
        paths.push_back(capsule_access_root(host.root));
        paths.push_back(directory_of(host.certificate));
        paths.push_back(directory_of(host.key));
        paths.push_back(directory_of(host.titan.state_file));  // read at every load, Titan on or off
    }
    paths.push_back("/etc/mime.types");
    // What the resolver reads when feed.notify looks an aggregator up (a reload may add one).
    for (const char* file : {"/etc/hosts", "/etc/resolv.conf", "/etc/nsswitch.conf", "/etc/gai.conf", "/etc/host.conf"})
        paths.push_back(file);
    paths.push_back("/proc/self");
    std::sort(paths.begin(), paths.end());
    paths.erase(std::unique(paths.begin(), paths.end()), paths.end());
    return paths;
}

}  // namespace kapsel::server
