// [server]: listeners, timeouts, limits, the account; the single host's names.

#include <set>

#include "config/table_reader.hpp"
#include "text/ascii.hpp"

namespace kapsel::config {
namespace {

ProxyProtocol parse_proxy_protocol(const std::string& v) {
    if (v == "off") return ProxyProtocol::off;
    if (v == "v1") return ProxyProtocol::v1;
    if (v == "v2") return ProxyProtocol::v2;
    if (v == "any") return ProxyProtocol::any;
    throw std::invalid_argument("proxy_protocol must be \"off\", \"v1\", \"v2\" or \"any\", not \"" + v + "\"");
}

// server.listen: "ADDR:PORT" strings and { address = "ADDR:PORT", proxy_protocol = "v2" } tables.
void read_listen(TableReader& r, std::vector<ListenAddress>& out) {
    const toml::node* n = r.get("listen");
    if (!n) return;
    const toml::array* arr = n->as_array();
    if (!arr) r.fail(*n, "server.listen must be an array of \"ADDR:PORT\" strings or { address = ... } tables");
    if (arr->empty()) r.fail(*n, "server.listen must name at least one address");
    std::vector<ListenAddress> seen;
    for (const toml::node& element : *arr) {
        ListenAddress a;
        try {
            if (const auto* s = element.as_string()) {
                a = parse_listen_address(s->get());
            } else if (const auto* t = element.as_table()) {
                for (const auto& [k, v] : *t)
                    if (k.str() != "address" && k.str() != "proxy_protocol")
                        r.fail(v, "unknown key '" + std::string(k.str()) + "' in a server.listen entry (known: address, "
                                  "proxy_protocol)");
                const auto* address = t->get_as<std::string>("address");
                if (!address) r.fail(element, "a server.listen table needs address = \"ADDR:PORT\"");
                a = parse_listen_address(address->get());
                if (const auto* p = t->get("proxy_protocol")) {
                    const auto* ps = p->as_string();
                    if (!ps) r.fail(*p, "server.listen: proxy_protocol must be a string");
                    try {
                        a.proxy_protocol = parse_proxy_protocol(ps->get());
                    } catch (const std::invalid_argument& e) {
                        r.fail(*p, std::string("server.listen: ") + e.what());
                    }
                }
            } else {
                r.fail(element, "server.listen must contain \"ADDR:PORT\" strings or { address = ... } tables");
            }
        } catch (const std::invalid_argument& e) {
            r.fail(element, std::string("server.listen: ") + e.what());
        }
        if (const auto clash = overlapping_listener(seen, a))
            r.fail(element, "server.listen: " + a.to_string() + " overlaps " + clash->to_string() +
                                " listed before it: both cannot bind");
        seen.push_back(a);
    }
    out = std::move(seen);
}

}  // namespace

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

void read_server_table(TableReader& r, ServerSettings& s, HostSettings* single) {
    read_listen(r, s.listen);
    if (r.get("hostnames")) {
        if (!single) r.fail_at("hostnames", "with [[host]] tables, each host's names go in its own names = [...]");
        std::vector<std::string> hostnames;
        std::set<std::string> seen;
        r.read_strings("hostnames", hostnames, [&](std::string& v) {
            v = normalise_hostname(v);
            if (!seen.insert(v).second) throw std::invalid_argument("'" + v + "' is listed twice");
        });
        if (hostnames.empty()) r.fail_at("hostnames", "server.hostnames must name at least one host");
        single->names = hostnames;
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
