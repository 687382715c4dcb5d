// README's configuration table is the promise: every key it lists is accepted, has the
// default it shows, and every key server.toml accepts is in it. Read from README.md itself,
// so the two cannot drift apart.

#include <gtest/gtest.h>

#include <fstream>
#include <functional>
#include <iterator>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "config/config.hpp"

namespace kapsel::config {
namespace {

std::string in_quotes(const std::string& s) { return "\"" + s + "\""; }

std::string seconds(std::chrono::milliseconds ms) {
    std::ostringstream out;
    out << static_cast<double>(ms.count()) / 1000.0;
    return out.str();
}

std::string strings(const std::vector<std::string>& v) {
    std::string out = "[";
    for (std::size_t i = 0; i < v.size(); ++i) out += (i ? ", " : "") + in_quotes(v[i]);
    return out + "]";
}

std::string relative(const std::filesystem::path& p, const Config& c) {
    return in_quotes(p.lexically_relative(c.file.parent_path()).string());
}

// "certs/n.example/cert.pem" as README writes it: "certs/NAME/cert.pem".
std::string with_name_placeholder(const std::filesystem::path& p, const Config& c) {
    std::string text = p.lexically_relative(c.file.parent_path()).string();
    const std::string& name = c.hosts[0].names[0];
    if (const auto at = text.find(name); at != std::string::npos) text.replace(at, name.size(), "NAME");
    return in_quotes(text);
}

/// Each key, written as README's "default" column writes it.
const std::map<std::string, std::function<std::string(const Config&)>>& formatters() {
    static const std::map<std::string, std::function<std::string(const Config&)>> table{
        {"server.listen",
         [](const Config& c) {
             std::vector<std::string> v;
             for (const auto& l : c.server.listen) v.push_back(l.to_string());
             return strings(v);
         }},
        {"server.hostnames", [](const Config& c) { return strings(c.hosts[0].names); }},
        {"server.public_port",
         [](const Config& c) { return c.server.public_port ? std::to_string(*c.server.public_port) : "unset"; }},
        {"server.request_timeout", [](const Config& c) { return seconds(c.server.request_timeout); }},
        {"server.response_timeout", [](const Config& c) { return seconds(c.server.response_timeout); }},
        {"server.shutdown_grace", [](const Config& c) { return seconds(c.server.shutdown_grace); }},
        {"server.max_connections", [](const Config& c) { return std::to_string(c.server.max_connections); }},
        {"server.max_connections_per_address",
         [](const Config& c) { return std::to_string(c.server.max_connections_per_address); }},
        {"server.workers", [](const Config& c) { return std::to_string(c.server.workers); }},
        {"server.rate_limit_per_second",
         [](const Config& c) {
             std::ostringstream o;
             o << c.server.rate_limit_per_second;
             return o.str();
         }},
        {"server.rate_limit_burst",
         [](const Config& c) {
             std::ostringstream o;
             o << c.server.rate_limit_burst;
             return o.str();
         }},
        {"server.user", [](const Config& c) { return in_quotes(c.server.user); }},
        {"server.group", [](const Config& c) { return in_quotes(c.server.group); }},
        {"server.allow_root", [](const Config& c) { return std::string(c.server.allow_root ? "true" : "false"); }},
        {"tls.certificate", [](const Config& c) { return relative(c.hosts[0].certificate, c); }},
        {"tls.key", [](const Config& c) { return relative(c.hosts[0].key, c); }},
        {"tls.ticket_key_file",
         [](const Config& c) { return c.tls.ticket_key_file ? relative(*c.tls.ticket_key_file, c) : "unset"; }},
        {"tls.session_tickets", [](const Config& c) { return std::to_string(c.tls.session_tickets); }},
        {"tls.groups", [](const Config& c) { return std::string(c.tls.groups.empty() ? "unset" : "?"); }},
        {"capsule.root", [](const Config& c) { return relative(c.hosts[0].root, c); }},
        {"capsule.lang", [](const Config& c) { return in_quotes(c.hosts[0].lang); }},
        {"capsule.watch", [](const Config& c) { return std::string(c.watch ? "true" : "false"); }},
        {"feed.title",
         [](const Config& c) {
             return c.hosts[0].feed.title == c.hosts[0].names.front() ? std::string("first hostname") : in_quotes(c.hosts[0].feed.title);
         }},
        {"feed.subtitle", [](const Config& c) { return in_quotes(c.hosts[0].feed.subtitle); }},
        {"feed.authority",
         [](const Config& c) {
             return c.hosts[0].feed.authority == c.hosts[0].names.front() + ",2023" ? std::string("\"HOST,2023\"")
                                                                            : in_quotes(c.hosts[0].feed.authority);
         }},
        {"feed.author", [](const Config& c) { return in_quotes(c.hosts[0].feed.author); }},
        {"feed.paths", [](const Config& c) { return strings(c.hosts[0].feed.paths); }},
        {"feed.max_entries", [](const Config& c) { return std::to_string(c.hosts[0].feed.max_entries); }},
        {"feed.notify", [](const Config& c) { return strings(c.hosts[0].feed.notify); }},
        // Keys of tables that have no defaults of their own: present only when written.
        {"web.export_dir", [](const Config& c) { return std::string(c.hosts[0].web ? "?" : "required"); }},
        {"web.base_url", [](const Config& c) { return std::string(c.hosts[0].web ? "?" : "required"); }},
        {"redirect.from", [](const Config&) { return std::string("required"); }},
        {"redirect.to", [](const Config&) { return std::string("required"); }},
        {"redirect.permanent", [](const Config&) { return std::string(RedirectRule{}.permanent ? "true" : "false"); }},
        {"gone.path", [](const Config&) { return std::string("required"); }},
        {"log.level", [](const Config& c) { return in_quotes(c.log.level); }},
        {"log.access_log", [](const Config& c) { return in_quotes(c.log.access_log.to_string()); }},
        // [[host]] keys, read from a configuration of one [[host]] (see host_defaults()).
        {"host.names", [](const Config&) { return std::string("required"); }},
        {"host.root", [](const Config&) { return std::string("required"); }},
        {"host.lang", [](const Config& c) { return in_quotes(c.hosts[0].lang); }},
        {"host.certificate", [](const Config& c) { return with_name_placeholder(c.hosts[0].certificate, c); }},
        {"host.key", [](const Config& c) { return with_name_placeholder(c.hosts[0].key, c); }},
        {"host.feed", [](const Config&) { return std::string(); }},
        {"host.zone", [](const Config&) { return std::string(); }},
        {"host.web", [](const Config&) { return std::string(); }},
        {"host.redirect", [](const Config&) { return std::string(); }},
        {"host.gone", [](const Config&) { return std::string(); }},
        {"zone.path", [](const Config&) { return std::string("required"); }},
        {"zone.allow", [](const Config&) { return std::string("[]"); }},
        {"titan.enabled", [](const Config& c) { return std::string(c.hosts[0].titan.enabled ? "true" : "false"); }},
        {"titan.paths", [](const Config& c) { return strings(c.hosts[0].titan.paths); }},
        {"titan.max_size", [](const Config& c) { return std::to_string(c.hosts[0].titan.max_size); }},
        {"titan.tokens", [](const Config& c) { return strings(c.hosts[0].titan.tokens); }},
        {"titan.allow", [](const Config& c) { return strings(c.hosts[0].titan.allow); }},
        {"titan.min_rate",
         [](const Config& c) {
             std::ostringstream o;
             o << c.hosts[0].titan.min_rate;
             return o.str();
         }},
        // Relative to the capsule root, as README writes it: "ROOT/.kapsel/deleted".
        {"titan.state_file",
         [](const Config& c) {
             return in_quotes("ROOT/" + c.hosts[0].titan.state_file.lexically_relative(c.hosts[0].root).string());
         }},
        {"host.titan", [](const Config&) { return std::string(); }},
    };
    return table;
}

// A [[host]] with only what it requires, for the defaults of the host.* keys.
Config host_defaults() {
    return parse_config("[[host]]\nnames = [\"n.example\"]\nroot = \"r\"\n", "/etc/kapsel/server.toml");
}

struct Row {
    std::vector<std::string> keys;
    std::string default_text;
};

// The rows of README's "## Configuration" table: `key`[, `key`] | type | default | meaning.
std::vector<Row> readme_rows() {
    std::ifstream in(std::string(KAPSEL_SOURCE_DIR) + "/README.md");
    const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    const auto start = text.find("\n## Configuration");
    const auto end = text.find("\n## ", start + 1);
    std::istringstream lines(text.substr(start, end - start));
    std::vector<Row> rows;
    for (std::string line; std::getline(lines, line);) {
        if (!line.starts_with("| `")) continue;
        std::vector<std::string> cells;
        std::string cell;
        bool in_code = false;
        for (std::size_t i = 1; i < line.size(); ++i) {  // '|' inside `code` is not a separator
            if (line[i] == '`') in_code = !in_code;
            if (line[i] == '|' && !in_code) {
                cells.push_back(cell);
                cell.clear();
            } else {
                cell += line[i];
            }
        }
        if (cells.size() < 4) continue;
        Row row;
        for (std::size_t p = cells[0].find('`'); p != std::string::npos; p = cells[0].find('`', p + 1)) {
            const auto q = cells[0].find('`', p + 1);
            row.keys.push_back(cells[0].substr(p + 1, q - p - 1));
            p = q;
        }
        std::string d = cells[2];
        d.erase(0, d.find_first_not_of(' '));
        d.erase(d.find_last_not_of(' ') + 1);
        if (d.size() >= 2 && d.front() == '`' && d.back() == '`') d = d.substr(1, d.size() - 2);
        row.default_text = d;
        rows.push_back(row);
    }
    return rows;
}

TEST(ReadmeDefaults, EveryKeyInTheTableHasTheDefaultItShows) {
    const auto rows = readme_rows();
    ASSERT_GE(rows.size(), 20u) << "README's configuration table was not found";
    const Config defaults = parse_config("", "/etc/kapsel/server.toml");
    const Config with_host = host_defaults();
    for (const Row& row : rows) {
        for (const std::string& key : row.keys) {
            SCOPED_TRACE(key);
            const auto it = formatters().find(key);
            ASSERT_NE(it, formatters().end()) << "README lists " << key << ", which this test does not know";
            EXPECT_EQ(it->second(key.starts_with("host.") ? with_host : defaults), row.default_text);
        }
    }
}

TEST(ReadmeDefaults, EveryKeyServerTomlAcceptsIsInTheTable) {
    std::map<std::string, bool> listed;
    for (const Row& row : readme_rows())
        for (const std::string& key : row.keys) listed[key] = true;
    for (const auto& [key, format] : formatters()) {
        EXPECT_TRUE(listed.contains(key)) << key << " is accepted but missing from README's table";
        if (key.starts_with("host.") || key.starts_with("zone.") || key.starts_with("redirect.") ||
            key.starts_with("gone.") || key.starts_with("web."))
            continue;  // tables of their own, each tested with what it requires in config_test
        // And it is accepted: written with its default, the file parses.
        const auto dot = key.find('.');
        const Config defaults = parse_config("", "/etc/kapsel/server.toml");
        std::string value = format(defaults);
        if (value == "unset" || value == "first hostname") continue;
        if (value == "\"HOST,2023\"") value = "\"localhost,2023\"";
        const std::string text = "[" + key.substr(0, dot) + "]\n" + key.substr(dot + 1) + " = " + value + "\n";
        EXPECT_NO_THROW(parse_config(text, "/etc/kapsel/server.toml")) << text;
    }
}

}  // namespace
}  // namespace kapsel::config
