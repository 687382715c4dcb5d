#include "config/config.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <toml++/toml.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <functional>
#include <set>
#include <sstream>

namespace kapsel::config {
namespace {

std::string position_prefix(const std::string& file, int line, int column) {
    if (line <= 0) return file + ": ";
    return file + ":" + std::to_string(line) + ":" + std::to_string(column) + ": ";
}

/// Walks one table of the document, checking each key's type and range, and remembers which
/// keys it has seen so that anything else is reported as unknown.
class TableReader {
public:
    TableReader(const toml::table& table, std::string name, std::string file, Config& config)
        : table_(table), name_(std::move(name)), file_(std::move(file)), config_(config) {}

    [[noreturn]] void fail(const toml::node& node, const std::string& message) const {
        const auto& src = node.source();
        throw ConfigError(file_, static_cast<int>(src.begin.line), static_cast<int>(src.begin.column),
                          message);
    }

    std::string qualified(std::string_view key) const {
        return name_.empty() ? std::string(key) : name_ + "." + std::string(key);
    }

    const toml::node* get(std::string_view key) {
        known_.insert(std::string(key));
        const toml::node* n = table_.get(key);
        if (n) {
            const auto& begin = n->source().begin;
            config_.positions[qualified(key)] = {static_cast<int>(begin.line), static_cast<int>(begin.column)};
        }
        return n;
    }

    void read(std::string_view key, std::string& out) {
        if (const auto* n = get(key)) {
            const auto* v = n->as_string();
            if (!v) fail(*n, qualified(key) + " must be a string");
            out = v->get();
        }
    }

    void read(std::string_view key, bool& out) {
        if (const auto* n = get(key)) {
            const auto* v = n->as_boolean();
            if (!v) fail(*n, qualified(key) + " must be true or false");
            out = v->get();
        }
    }

    template <typename Int>
    void read_integer(std::string_view key, Int& out, std::int64_t min, std::int64_t max) {
        if (const auto* n = get(key)) {
            const auto* v = n->as_integer();
            if (!v) fail(*n, qualified(key) + " must be an integer");
            const std::int64_t x = v->get();
            if (x < min || x > max)
                fail(*n, qualified(key) + " must be between " + std::to_string(min) + " and " +
                             std::to_string(max) + ", not " + std::to_string(x));
            out = static_cast<Int>(x);
        }
    }

    void read_number(std::string_view key, double& out, double min, double max) {
        if (const auto* n = get(key)) {
            double x;
            if (const auto* i = n->as_integer()) x = static_cast<double>(i->get());
            else if (const auto* f = n->as_floating_point()) x = f->get();
            else fail(*n, qualified(key) + " must be a number");
            if (!std::isfinite(x) || x < min || x > max) {
                std::ostringstream msg;
                msg << qualified(key) << " must be between " << min << " and " << max << ", not " << x;
                fail(*n, msg.str());
            }
            out = x;
        }
    }

    void read_seconds(std::string_view key, std::chrono::milliseconds& out, double min, double max) {
        double seconds = static_cast<double>(out.count()) / 1000.0;
        read_number(key, seconds, min, max);
        out = std::chrono::milliseconds(static_cast<std::int64_t>(std::llround(seconds * 1000.0)));
    }

    void read_path(std::string_view key, std::filesystem::path& out) {
        std::string s;
        if (const auto* n = get(key)) {
            read(key, s);
            if (s.empty()) fail(*n, qualified(key) + " must not be empty");
            out = s;
        }
    }

    /// An array of strings; `each` may reject an element by throwing std::invalid_argument.
    void read_strings(std::string_view key, std::vector<std::string>& out,
                      const std::function<void(std::string&)>& each = {}) {
        const auto* n = get(key);
        if (!n) return;
        const auto* arr = n->as_array();
        if (!arr) fail(*n, qualified(key) + " must be an array of strings");
        std::vector<std::string> values;
        for (const auto& element : *arr) {
            const auto* s = element.as_string();
            if (!s) fail(element, qualified(key) + " must contain only strings");
            std::string value = s->get();
            if (each) {
                try {
                    each(value);
                } catch (const std::invalid_argument& e) {
                    fail(element, qualified(key) + ": " + e.what());
                }
            }
            values.push_back(std::move(value));
        }
        out = std::move(values);
    }

    /// Reports the first key that no read asked for.
    void reject_unknown() const {
        for (const auto& [key, node] : table_) {
            if (!known_.contains(std::string(key.str()))) {
                const auto& src = key.source().begin.line ? key.source() : node.source();
                throw ConfigError(file_, static_cast<int>(src.begin.line), static_cast<int>(src.begin.column),
                                  "unknown key '" + qualified(key.str()) + "'");
            }
        }
    }

private:
    const toml::table& table_;
    std::string name_;
    std::string file_;
    Config& config_;
    std::set<std::string> known_;
};

const toml::table* sub_table(TableReader& top, const toml::table& root, std::string_view name,
                             const std::string& file) {
    const auto* n = top.get(name);
    if (!n) return nullptr;
    const auto* t = n->as_table();
    if (!t) {
        const auto& src = n->source();
        throw ConfigError(file, static_cast<int>(src.begin.line), static_cast<int>(src.begin.column),
                          "'" + std::string(name) + "' must be a table ([" + std::string(name) + "])");
    }
    (void)root;
    return t;
}

std::string normalise_hostname(std::string name) {
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (!name.empty() && name.back() == '.') name.pop_back();
    if (name.empty()) throw std::invalid_argument("a hostname must not be empty");
    for (unsigned char c : name) {
        if (!(std::isalnum(c) || c == '-' || c == '.' || c == ':' || c >= 0x80))
            throw std::invalid_argument("'" + name + "' is not a valid hostname");
    }
    return name;
}

std::filesystem::path resolve(const std::filesystem::path& base, const std::filesystem::path& p) {
    if (p.is_absolute()) return p.lexically_normal();
    return (base / p).lexically_normal();
}

bool is_wildcard(const ListenAddress& a) { return a.host == "0.0.0.0" || a.host == "::"; }

// Two listeners that cannot both bind: the same address and port, or a wildcard and an address
// of its family on one port (port 0 always gets a port of its own).
std::optional<ListenAddress> overlapping_listener(const std::vector<ListenAddress>& earlier, const ListenAddress& a) {
    if (a.port == 0) return std::nullopt;
    const bool v6 = a.host.find(':') != std::string::npos;
    for (const auto& e : earlier) {
        if (e.port != a.port || (e.host.find(':') != std::string::npos) != v6) continue;
        unsigned char x[sizeof(in6_addr)], y[sizeof(in6_addr)];
        const int family = v6 ? AF_INET6 : AF_INET;
        const bool same = ::inet_pton(family, e.host.c_str(), x) == 1 && ::inet_pton(family, a.host.c_str(), y) == 1 &&
                          std::memcmp(x, y, v6 ? 16 : 4) == 0;
        if (same || is_wildcard(e) || is_wildcard(a)) return e;
    }
    return std::nullopt;
}

}  // namespace

ConfigError::ConfigError(std::string file, int line, int column, const std::string& message)
    : std::runtime_error(position_prefix(file, line, column) + message),
      file_(std::move(file)),
      line_(line),
      column_(column),
      message_(message) {}

ConfigError Config::error_at(std::string_view key, const std::string& message) const {
    const auto it = positions.find(key);
    const Position p = it == positions.end() ? Position{} : it->second;
    return ConfigError(file.string(), p.line, p.column, message);
}

std::string AccessLogTarget::to_string() const {
    switch (kind) {
        case Kind::standard_error: return "stderr";
        case Kind::standard_output: return "stdout";
        case Kind::off: return "off";
        case Kind::file: return file.string();
    }
    return {};
}

std::string ListenAddress::to_string() const {
    if (host.find(':') != std::string::npos) return "[" + host + "]:" + std::to_string(port);
    return host + ":" + std::to_string(port);
}

ListenAddress parse_listen_address(const std::string& text) {
    ListenAddress out;
    std::string port_text;
    if (!text.empty() && text.front() == '[') {
        const auto close = text.find(']');
        if (close == std::string::npos || close + 1 >= text.size() || text[close + 1] != ':')
            throw std::invalid_argument("'" + text + "' is not ADDRESS:PORT (IPv6 as [ADDRESS]:PORT)");
        out.host = text.substr(1, close - 1);
        port_text = text.substr(close + 2);
    } else {
        const auto colon = text.rfind(':');
        if (colon == std::string::npos || text.find(':') != colon)
            throw std::invalid_argument("'" + text + "' is not ADDRESS:PORT (IPv6 as [ADDRESS]:PORT)");
        out.host = text.substr(0, colon);
        port_text = text.substr(colon + 1);
    }
    if (out.host.empty()) throw std::invalid_argument("'" + text + "' has no address");
    // The address itself, never a name: what `check` accepts must bind the same way at every
    // start, whatever a resolver answers then.
    unsigned char ip[sizeof(in6_addr)];
    const bool v6 = out.host.find(':') != std::string::npos;
    if (::inet_pton(v6 ? AF_INET6 : AF_INET, out.host.c_str(), ip) != 1)
        throw std::invalid_argument("'" + out.host + "' is not an IP address (" + text +
                                    "); listen on an address such as 127.0.0.1 or [::1], host names are not resolved");
    if (port_text.empty() || port_text.size() > 5 ||
        !std::all_of(port_text.begin(), port_text.end(), [](unsigned char c) { return std::isdigit(c); }))
        throw std::invalid_argument("'" + text + "' has no valid port");
    const long port = std::stol(port_text);
    if (port > 65535) throw std::invalid_argument("port " + port_text + " is out of range (0-65535)");
    out.port = static_cast<std::uint16_t>(port);
    return out;
}

Config parse_config(std::string_view text, const std::filesystem::path& file) {
    const std::string file_name = file.string();
    toml::table root;
    try {
        root = toml::parse(text, file_name);
    } catch (const toml::parse_error& e) {
        const auto& src = e.source();
        throw ConfigError(file_name, static_cast<int>(src.begin.line), static_cast<int>(src.begin.column),
                          std::string(e.description()));
    }

    Config config;
    config.file = file;
    const auto base = file.has_parent_path() ? file.parent_path() : std::filesystem::path(".");

    TableReader top(root, "", file_name, config);

    if (const auto* t = sub_table(top, root, "server", file_name)) {
        TableReader r(*t, "server", file_name, config);
        auto& s = config.server;
        std::vector<std::string> listen_text;
        std::vector<ListenAddress> seen;
        r.read_strings("listen", listen_text, [&](std::string& v) {
            const ListenAddress a = parse_listen_address(v);
            if (const auto clash = overlapping_listener(seen, a))
                throw std::invalid_argument(a.to_string() + " overlaps " + clash->to_string() +
                                            " listed before it: both cannot bind");
            seen.push_back(a);
        });
        if (const auto* n = t->get("listen")) {
            if (listen_text.empty()) r.fail(*n, "server.listen must name at least one address");
            s.listen = std::move(seen);
        }
        std::vector<std::string> hostnames;
        r.read_strings("hostnames", hostnames, [](std::string& v) { v = normalise_hostname(v); });
        if (const auto* n = t->get("hostnames")) {
            if (hostnames.empty()) r.fail(*n, "server.hostnames must name at least one host");
            s.hostnames = hostnames;
        }
        if (t->get("public_port")) {
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
        r.reject_unknown();
    }

    if (const auto* t = sub_table(top, root, "tls", file_name)) {
        TableReader r(*t, "tls", file_name, config);
        auto& s = config.tls;
        r.read_path("certificate", s.certificate);
        r.read_path("key", s.key);
        if (t->get("ticket_key_file")) {
            std::filesystem::path p;
            r.read_path("ticket_key_file", p);
            s.ticket_key_file = p;
        }
        r.read_integer("session_tickets", s.session_tickets, 0, 16);
        r.reject_unknown();
    }

    if (const auto* t = sub_table(top, root, "capsule", file_name)) {
        TableReader r(*t, "capsule", file_name, config);
        r.read_path("root", config.capsule.root);
        r.read("lang", config.capsule.lang);
        r.read("watch", config.capsule.watch);
        if (const auto* n = t->get("lang")) {
            const auto& lang = config.capsule.lang;
            const bool ok = !lang.empty() && std::all_of(lang.begin(), lang.end(), [](unsigned char c) {
                return std::isalnum(c) || c == '-' || c == ',';
            });
            if (!ok) r.fail(*n, "capsule.lang must be a BCP 47 language tag such as \"sv\" or \"en-GB\"");
        }
        r.reject_unknown();
    }

    if (const auto* t = sub_table(top, root, "feed", file_name)) {
        TableReader r(*t, "feed", file_name, config);
        auto& f = config.feed;
        r.read("title", f.title);
        r.read("subtitle", f.subtitle);
        r.read("authority", f.authority);
        if (const auto* n = t->get("authority")) {
            // tag: URI authority: "dns-name-or-email,YYYY[-MM[-DD]]" (RFC 4151).
            const auto comma = f.authority.find(',');
            const bool ok = comma != std::string::npos && comma > 0 && comma + 5 <= f.authority.size() &&
                            std::all_of(f.authority.begin() + static_cast<long>(comma) + 1, f.authority.end(),
                                        [](unsigned char c) { return std::isdigit(c) || c == '-'; }) &&
                            f.authority.find_first_of(" :/") == std::string::npos;
            if (!ok)
                r.fail(*n, "feed.authority must be a tag: authority like \"example.org,2023\" (RFC 4151)");
        }
        r.read("author", f.author);
        r.read_strings("paths", f.paths, [](std::string& v) {
            while (!v.empty() && v.front() == '/') v.erase(v.begin());
            while (!v.empty() && v.back() == '/') v.pop_back();
            if (v.empty()) throw std::invalid_argument("a feed path must name a directory");
            if (v.find("..") != std::string::npos) throw std::invalid_argument("'" + v + "' must stay inside the capsule");
        });
        r.read_integer("max_entries", f.max_entries, 1, 100'000);
        r.reject_unknown();
    }

    if (const auto* t = sub_table(top, root, "log", file_name)) {
        TableReader r(*t, "log", file_name, config);
        r.read("level", config.log.level);
        if (const auto* n = t->get("level")) {
            static const std::set<std::string> levels{"trace", "debug", "info", "warn", "error", "critical", "off"};
            if (!levels.contains(config.log.level))
                r.fail(*n, "log.level must be one of trace, debug, info, warn, error, critical, off");
        }
        std::string access;
        r.read("access_log", access);
        if (const auto* n = t->get("access_log")) {
            using Kind = AccessLogTarget::Kind;
            auto& target = config.log.access_log;
            if (access == "stderr") target.kind = Kind::standard_error;
            else if (access == "stdout") target.kind = Kind::standard_output;
            else if (access == "off") target.kind = Kind::off;
            else if (access.empty()) r.fail(*n, "log.access_log must be \"stderr\", \"stdout\", \"off\" or a file path");
            else target = {Kind::file, resolve(base, access)};
        }
        r.reject_unknown();
    }

    top.reject_unknown();

    if (config.feed.title.empty()) config.feed.title = config.server.hostnames.front();
    if (config.feed.authority.empty()) config.feed.authority = config.server.hostnames.front() + ",2023";

    config.tls.certificate = resolve(base, config.tls.certificate);
    config.tls.key = resolve(base, config.tls.key);
    if (config.tls.ticket_key_file) config.tls.ticket_key_file = resolve(base, *config.tls.ticket_key_file);
    config.capsule.root = resolve(base, config.capsule.root);
    return config;
}

Config load_config(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in) throw ConfigError(file.string(), 0, 0, "cannot read the configuration file");
    std::ostringstream text;
    text << in.rdbuf();
    return parse_config(text.str(), file);
}

}  // namespace kapsel::config
