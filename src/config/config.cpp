// parse_config and load_config: the document read table by table (one reader per table, in
// the *_table.cpp files), then the defaults that depend on other keys filled in.

#include "config/config.hpp"

#include <fstream>
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
    read_table(top, "server", [&](TableReader& r) { read_server_table(r, config.server); });
    read_table(top, "tls", [&](TableReader& r) { read_tls_table(r, config.tls, base); });
    read_table(top, "capsule", [&](TableReader& r) { read_capsule_table(r, config.capsule, base); });
    read_table(top, "feed", [&](TableReader& r) { read_feed_table(r, config.feed); });
    read_table(top, "log", [&](TableReader& r) { read_log_table(r, config.log, base); });
    top.reject_unknown();

    // Defaults that depend on other keys, and default paths made absolute like written ones.
    if (config.feed.title.empty()) config.feed.title = config.server.hostnames.front();
    if (config.feed.authority.empty()) config.feed.authority = config.server.hostnames.front() + ",2023";
    config.tls.certificate = resolve(base, config.tls.certificate);
    config.tls.key = resolve(base, config.tls.key);
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
