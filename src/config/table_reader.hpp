#pragma once
/// Reading one TOML table of server.toml: each key's type and range checked, its position
/// remembered (Config::positions), and any key no reader asked for reported as unknown.
/// Internal to the config module.

#include <toml++/toml.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"

namespace kapsel::config {

class TableReader {
public:
    /// `name` is the table's dotted name ("server"; "" for the document itself).
    TableReader(const toml::table& table, std::string name, Config& config);

    [[noreturn]] void fail(const toml::node& node, const std::string& message) const;

    /// "server.user" for key "user" of [server].
    std::string qualified(std::string_view key) const;

    /// The node for `key` (nullptr when absent); records that the key is known and where it is.
    const toml::node* get(std::string_view key);

    void read(std::string_view key, std::string& out);
    void read(std::string_view key, bool& out);
    void read_integer(std::string_view key, std::int64_t& out, std::int64_t min, std::int64_t max);
    template <typename Int>
    void read_integer(std::string_view key, Int& out, std::int64_t min, std::int64_t max) {
        std::int64_t x = static_cast<std::int64_t>(out);
        read_integer(key, x, min, max);
        out = static_cast<Int>(x);
    }
    void read_number(std::string_view key, double& out, double min, double max);
    void read_seconds(std::string_view key, std::chrono::milliseconds& out, double min, double max);
    /// A non-empty path string, made absolute against `base`.
    void read_path(std::string_view key, std::filesystem::path& out, const std::filesystem::path& base);
    /// An array of strings; `each` may rewrite an element, or reject it by throwing
    /// std::invalid_argument (reported at that element).
    void read_strings(std::string_view key, std::vector<std::string>& out,
                      const std::function<void(std::string&)>& each = {});

    /// The sub-table `key` (nullptr when absent); anything else there is an error.
    const toml::table* table(std::string_view key);
    /// The array of tables `key` ([[key]]; empty when absent); anything else is an error.
    std::vector<const toml::table*> tables(std::string_view key);

    /// Fails at `key` (which must be present) with `message`.
    [[noreturn]] void fail_at(std::string_view key, const std::string& message);
    /// The position of the table itself, for messages about what it lacks.
    const toml::table& node() const { return table_; }

    /// Reports the first key that no read asked for.
    void reject_unknown() const;

    Config& config() { return config_; }

private:
    const toml::table& table_;
    std::string name_;
    Config& config_;
    std::set<std::string, std::less<>> known_;
};

/// Reads sub-table `key` of `parent` with `body`, then rejects its unknown keys: the pattern
/// every [table] of server.toml follows.
void read_table(TableReader& parent, std::string_view key, const std::function<void(TableReader&)>& body);

/// `p` made absolute against `base` and normalised.
std::filesystem::path resolve(const std::filesystem::path& base, const std::filesystem::path& p);

/// A host name as kapsel keeps it (lower case, one trailing dot dropped), or
/// std::invalid_argument saying why it cannot be one.
std::string normalise_hostname(std::string name);

// One reader per table of server.toml (the *_table.cpp files of this module). `single` is the
// host of the single-host form, whose keys live in [server], [capsule], [tls] and [feed];
// nullptr when [[host]] tables describe the hosts, and those keys are then refused.
void read_server_table(TableReader& r, ServerSettings& out, HostSettings* single);
void read_tls_table(TableReader& r, TlsSettings& out, HostSettings* single, const std::filesystem::path& base);
void read_capsule_table(TableReader& r, bool& watch, HostSettings* single, const std::filesystem::path& base);
void read_feed_table(TableReader& r, FeedSettings& out);
void read_log_table(TableReader& r, LogSettings& out, const std::filesystem::path& base);
/// One [[host]] table.
void read_host_table(TableReader& r, HostSettings& out, const std::filesystem::path& base);
/// The [[KEY]] zone tables of `parent` ("zone" at the top, "zone" of a [[host]]).
void read_zone_tables(TableReader& parent, std::vector<ZoneSettings>& out);
/// The [[redirect]] and [[gone]] tables of `parent`.
void read_rule_tables(TableReader& parent, std::vector<RedirectRule>& redirects, std::vector<GoneRule>& gone);
/// The [titan] table of `parent`: uploads into the capsule `root`.
void read_titan_table(TableReader& parent, TitanSettings& out, const std::filesystem::path& root,
                      const std::filesystem::path& base);
/// The [web] table of `parent`: the mirror of a host whose capsule is `root`.
void read_web_table(TableReader& parent, std::optional<WebSettings>& out, const std::filesystem::path& root,
                    const std::filesystem::path& base);

}  // namespace kapsel::config
