// [server]: listeners, hosts, timeouts, limits, the account.

#include "config/table_reader.hpp"
#include "text/ascii.hpp"

namespace kapsel::config {
namespace {

std::string normalise_hostname(std::string name) {
    text::lower_in_place(name);
    // One trailing dot is the root of the DNS and says nothing; a request's host never keeps
    // it, and one with two (or a name of dots only) could never be served.
    if (!name.empty() && name.back() == '.') name.pop_back();
    if (name.empty()) throw std::invalid_argument("a hostname must not be empty");
    if (name.back() == '.' || name.front() == '.' || name.find("..") != std::string::npos)
        throw std::invalid_argument("'" + name + "' is not a valid hostname (an empty label)");
    for (const char c : name) {
        if (!(text::is_alnum(c) || c == '-' || c == '.' || c == ':' || static_cast<unsigned char>(c) >= 0x80))
            throw std::invalid_argument("'" + name + "' is not a valid hostname");
    }
    return name;
}

}  // namespace

void read_server_table(TableReader& r, ServerSettings& s) {
    std::vector<std::string> listen_text;
    std::vector<ListenAddress> seen;
    r.read_strings("listen", listen_text, [&](std::string& v) {
        const ListenAddress a = parse_listen_address(v);
        if (const auto clash = overlapping_listener(seen, a))
            throw std::invalid_argument(a.to_string() + " overlaps " + clash->to_string() +
                                        " listed before it: both cannot bind");
        seen.push_back(a);
    });
    if (const auto* n = r.get("listen")) {
        if (listen_text.empty()) r.fail(*n, "server.listen must name at least one address");
        s.listen = std::move(seen);
    }
    std::vector<std::string> hostnames;
    r.read_strings("hostnames", hostnames, [](std::string& v) { v = normalise_hostname(v); });
    if (const auto* n = r.get("hostnames")) {
        if (hostnames.empty()) r.fail(*n, "server.hostnames must name at least one host");
        s.hostnames = hostnames;
    }
    if (r.get("public_port")) {
        std::uint16_t port = 0;
        r.read_integer("public_port", port, 1, 65535);
        s.public_port = port;
    }
    r.read_seconds("request_timeout", s.request_timeout, 0.1, 3600);
    r.read_seconds("response_timeout", s.response_timeout, 0.1, 3600);
    r.read_seconds("shutdown_grace", s.shutdown_grace, 0, 600);
    r.read_integer("max_connections", s.max_connections, 1, 1'000'000);
    r.read_integer("max_connections_per_address", s.max_connections_per_address, 1, 1'000'000);
    r.read_integer("workers", s.workers, 0, 1024);
    r.read_number("rate_limit_per_second", s.rate_limit_per_second, 0, 1e9);
    r.read_number("rate_limit_burst", s.rate_limit_burst, 1, 1e9);
    r.read("user", s.user);
    r.read("group", s.group);
    r.read("allow_root", s.allow_root);
}

}  // namespace kapsel::config
