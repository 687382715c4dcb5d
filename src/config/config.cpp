// parse_config and load_config: the document read table by table (one reader per table, in
// the *_table.cpp files), then the defaults that depend on other keys filled in.

#include "config/config.hpp"

#include <fstream>
#include <map>
#include <sstream>

#include "config/table_reader.hpp"

namespace kapsel::config {
namespace {

std::string position_prefix(const std::string& file, int line, int column) {
    if (line <= 0) return file + ": ";
    return file + ":" + std::to_string(line) + ":" + std::to_string(column) + ": ";
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

    TableReader top(root, "", config);
    // With [[host]] tables each host is described there; without, server.hostnames, [capsule],
    // [tls] and [feed] describe the one host, exactly as before [[host]] existed.
    const bool several = root.contains("host");
    HostSettings single;
    single.root = resolve(base, single.root);
    single.certificate = resolve(base, single.certificate);
    single.key = resolve(base, single.key);
    HostSettings* one = several ? nullptr : &single;
    read_table(top, "server", [&](TableReader& r) { read_server_table(r, config.server, one); });
    read_table(top, "tls", [&](TableReader& r) { read_tls_table(r, config.tls, one, base); });
    read_table(top, "capsule", [&](TableReader& r) { read_capsule_table(r, config.watch, one, base); });
    if (several && top.get("feed")) top.fail_at("feed", "with [[host]] tables, each host's feed goes in [host.feed]");
    read_table(top, "feed", [&](TableReader& r) { read_feed_table(r, single.feed); });
    read_table(top, "log", [&](TableReader& r) { read_log_table(r, config.log, base); });
    for (const char* table : {"zone", "redirect", "gone", "web", "titan"})
        if (several && top.get(table))
            top.fail_at(table, std::string("with [[host]] tables, each host's ") + table + " goes in its [[host]] ([host." +
                                   table + "])");
    read_zone_tables(top, single.zones);
    read_rule_tables(top, single.redirects, single.gone);
    read_web_table(top, single.web, single.root, base);
    read_titan_table(top, single.titan, single.root, base);

    if (several) {
        const auto tables = top.tables("host");
        if (tables.empty()) top.fail_at("host", "[[host]] must describe at least one host");
        config.hosts.clear();
        std::map<std::string, std::string> taken;  // name → the host that has it
        for (std::size_t i = 0; i < tables.size(); ++i) {
            HostSettings h;
            h.table = "host[" + std::to_string(i) + "]";
            TableReader r(*tables[i], h.table, config);
            read_host_table(r, h, base);
            r.reject_unknown();
            for (const std::string& name : h.names) {
                if (const auto [it, inserted] = taken.try_emplace(name, h.table); !inserted)
                    r.fail_at("names", "host name '" + name + "' is already served by " + it->second);
            }
            config.hosts.push_back(std::move(h));
        }
    } else {
        config.hosts = {std::move(single)};
    }
    top.reject_unknown();

    // Defaults that depend on other keys.
    for (HostSettings& h : config.hosts) {
        if (h.feed.title.empty()) h.feed.title = h.names.front();
        if (h.feed.authority.empty()) h.feed.authority = h.names.front() + ",2023";
        if (h.titan.state_file.empty()) h.titan.state_file = h.root / ".kapsel" / "deleted";
    }
    return config;
}

std::string HostSettings::key_name(std::string_view key) const {
    if (!table.empty()) return table + "." + std::string(key);
    // The single-host form: where each key of the host lives at the top.
    if (key == "names") return "server.hostnames";
    if (key == "root" || key == "lang") return "capsule." + std::string(key);
    if (key == "certificate" || key == "key") return "tls." + std::string(key);
    return std::string(key);  // "feed.authority", ...
}

Config load_config(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in) throw ConfigError(file.string(), 0, 0, "cannot read the configuration file");
    std::ostringstream text;
    text << in.rdbuf();
    return parse_config(text.str(), file);
}

}  // namespace kapsel::config
