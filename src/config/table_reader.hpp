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

// One reader per table of server.toml (tables.cpp files of this module).
void read_server_table(TableReader& r, ServerSettings& out);
void read_tls_table(TableReader& r, TlsSettings& out, const std::filesystem::path& base);
void read_capsule_table(TableReader& r, CapsuleSettings& out, const std::filesystem::path& base);
void read_feed_table(TableReader& r, FeedSettings& out);
void read_log_table(TableReader& r, LogSettings& out, const std::filesystem::path& base);

}  // namespace kapsel::config
