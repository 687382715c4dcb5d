#pragma once
/// The validated contents of server.toml: every key, its type and its default.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace kapsel::config {

/// A load-time error that names the file, line and column it was found at.
/// what() is "FILE:LINE:COL: message" (or "FILE: message" when no position applies).
class ConfigError : public std::runtime_error {
public:
    ConfigError(std::string file, int line, int column, const std::string& message);
    const std::string& file() const noexcept { return file_; }
    int line() const noexcept { return line_; }
    int column() const noexcept { return column_; }
    const std::string& message() const noexcept { return message_; }

private:
    std::string file_;
    int line_;
    int column_;
    std::string message_;
};

/// Where a key was written in server.toml (1-based; 0 when it was not written at all).
struct Position {
    int line = 0;
    int column = 0;
    friend bool operator==(const Position&, const Position&) = default;
};

/// Whether a listener expects a PROXY protocol header (HAProxy's) before the TLS handshake.
enum class ProxyProtocol { off, v1, v2, any };

/// One address:port to listen on; port 0 asks the kernel for an ephemeral port.
struct ListenAddress {
    std::string host;  // "0.0.0.0", "::", "127.0.0.1", ... (no brackets)
    std::uint16_t port = 1965;
    ProxyProtocol proxy_protocol = ProxyProtocol::off;

    std::string to_string() const;  // "0.0.0.0:1965", "[::]:1965"
};

/// Parses "ADDR:PORT" or "[V6ADDR]:PORT", ADDR an IP address (host names are not resolved);
/// throws std::invalid_argument with a message.
ListenAddress parse_listen_address(const std::string& text);

/// The first of `earlier` that `a` could not bind beside: the same address and port, or a
/// wildcard and an address of the same family on one port. Port 0 never overlaps.
std::optional<ListenAddress> overlapping_listener(const std::vector<ListenAddress>& earlier, const ListenAddress& a);

struct ServerSettings {
    std::vector<ListenAddress> listen{{"0.0.0.0", 1965}, {"::", 1965}};
    /// The port clients use in URLs, when it differs from the listener's (port forwarding).
    std::optional<std::uint16_t> public_port;
    std::chrono::milliseconds request_timeout{10'000};  // handshake + request line
    /// Deadline for writing a response: a client that stops reading is cut off then.
    std::chrono::milliseconds response_timeout{30'000};
    std::chrono::milliseconds shutdown_grace{5'000};
    std::uint32_t max_connections = 1024;
    std::uint32_t max_connections_per_address = 64;
    unsigned workers = 0;  // 0: one per hardware thread
    /// Token bucket per client address; rate 0 turns limiting off.
    double rate_limit_per_second = 0;
    double rate_limit_burst = 20;
    /// Unprivileged account to switch to after binding when started as root.
    std::string user;
    std::string group;
    bool allow_root = false;
};

/// What every host's TLS shares (each host has its own certificate and key: HostSettings).
struct TlsSettings {
    /// Optional file holding session-ticket keys, so resumption survives restarts.
    std::optional<std::filesystem::path> ticket_key_file;
    /// How many TLS 1.3 session tickets to send per full handshake.
    unsigned session_tickets = 1;
    /// Key exchange groups offered, most preferred first (OpenSSL names: "X25519MLKEM768",
    /// "X25519", "P-256"); empty: net::default_groups().
    std::vector<std::string> groups;
};

struct FeedSettings {
    std::string title;
    std::string subtitle;
    /// The tag: URI authority and date, e.g. "kapsel.example,2023" → tag:kapsel.example,2023:...
    std::string authority;
    std::string author;
    /// Capsule directories (relative to the root, no slashes at either end) whose documents are entries.
    std::vector<std::string> paths;
    unsigned max_entries = 50;
    /// Aggregators told of every change to the feed's entries: "gemini://host/submit" URLs,
    /// each sent one request with the feed's URL as its query.
    std::vector<std::string> notify;
    friend bool operator==(const FeedSettings&, const FeedSettings&) = default;
};

/// A path that is no page: [[redirect]] (30 or 31 elsewhere) and [[gone]] (52). A `from` or
/// `path` ending in "/" is a prefix: everything below it; a redirect then appends the rest
/// of the request's path to `to`.
struct RedirectRule {
    std::string from;
    std::string to;         // a capsule path, or a gemini:// URL (another capsule)
    bool permanent = true;  // 31; false: 30
    Position where;         // the table's position, for the build's messages
    friend bool operator==(const RedirectRule&, const RedirectRule&) = default;
};
struct GoneRule {
    std::string path;
    Position where;
    friend bool operator==(const GoneRule&, const GoneRule&) = default;
};

/// The static web mirror: HTML pages, the plain texts and https feeds written for HTTP
/// readers ([web] or [host.web]).
struct WebSettings {
    std::filesystem::path export_dir;  // absolute; never inside a capsule
    std::string base_url;              // "https://kapsel.example/", ending in "/"
    friend bool operator==(const WebSettings&, const WebSettings&) = default;
};

/// Why `export_dir` cannot hold the web mirror of the capsule at `capsule_root` configured in
/// `config_dir`, or nullopt: inside the capsule or holding it (the mirror and the capsule
/// would overwrite each other), or holding the configuration's directory (a web server would
/// serve server.toml and the keys). Relative paths count from the working directory.
std::optional<std::string> export_dir_problem(const std::filesystem::path& export_dir,
                                              const std::filesystem::path& capsule_root,
                                              const std::filesystem::path& config_dir);

/// Where access-log lines go: log.access_log, read once ("stderr", "stdout", "off" or a path).
struct AccessLogTarget {
    enum class Kind { standard_error, standard_output, off, file };
    Kind kind = Kind::standard_error;
    std::filesystem::path file;  // Kind::file only: absolute

    std::string to_string() const;  // as written in server.toml (the file absolute)
    friend bool operator==(const AccessLogTarget&, const AccessLogTarget&) = default;
};

struct LogSettings {
    std::string level{"info"};   // trace, debug, info, warn, error, critical, off
    AccessLogTarget access_log;
};

/// Pages that need a client certificate: [[zone]] (single-host form) or [[host.zone]].
struct ZoneSettings {
    std::string path;                // a decoded absolute path; it and everything below it ("/privat")
    std::vector<std::string> allow;  // SHA-256 fingerprints, "AB:CD:..."; empty: any valid certificate
};

/// Titan uploads into a host's capsule ([titan], or [host.titan] with [[host]] tables): who may
/// upload (a token, or a client certificate's fingerprint), where, and how much.
struct TitanSettings {
    bool enabled = false;
    /// Capsule directories uploads may write into (relative to the root, no slash at either end).
    std::vector<std::string> paths;
    std::uint64_t max_size = 1024 * 1024;  // bytes of body; a larger size is refused before any is read
    std::vector<std::string> tokens;       // accepted ;token= values
    std::vector<std::string> allow;        // SHA-256 fingerprints, "AB:CD:..." (as ZoneSettings::allow)
    /// The slowest body accepted, in bytes per second: the body's deadline is
    /// server.request_timeout + size / min_rate after its first byte could arrive.
    double min_rate = 4096;
    /// Paths deleted by uploads (size=0), which answer 52; absolute. Default: ROOT/.kapsel/deleted.
    std::filesystem::path state_file;
};

/// A client certificate's SHA-256 fingerprint in kapsel's one form ("AB:CD:...", 32 bytes), from
/// 64 hex digits with or without colons, any case; std::invalid_argument when it is not one.
std::string normalise_fingerprint(std::string_view text);

/// One capsule and the names it is served under: a [[host]] table, or (without any) the
/// single host that server.hostnames, [capsule], [tls] and [feed] describe.
struct HostSettings {
    /// Lower case, no trailing dot; the first is the canonical name, the others aliases.
    std::vector<std::string> names{"localhost"};
    std::filesystem::path root{"capsule"};
    std::string lang{"sv"};  // default BCP 47 tag for its text/gemini
    std::filesystem::path certificate{"certs/cert.pem"};
    std::filesystem::path key{"certs/key.pem"};
    FeedSettings feed;
    std::vector<ZoneSettings> zones;
    std::vector<RedirectRule> redirects;
    std::vector<GoneRule> gone;
    std::optional<WebSettings> web;
    TitanSettings titan;
    /// Where its keys were written: "" for the single-host form, else "host[N]" (see key()).
    std::string table;

    /// The dotted name under which `key` ("root", "certificate", "feed.authority") of this
    /// host stands in Config::positions: "host[1].root", or in the single-host form
    /// "capsule.root", "tls.certificate", "server.hostnames" for "names", "feed.authority".
    std::string key_name(std::string_view key) const;
};

struct Config {
    std::filesystem::path file;  // where it was read from; relative paths resolve against its directory
    ServerSettings server;
    TlsSettings tls;
    /// At least one; the first is the default host (a handshake without SNI, or with a name no
    /// host has, gets its certificate).
    std::vector<HostSettings> hosts{HostSettings{}};
    /// Reload by itself when server.toml, a capsule or a certificate changes (inotify).
    bool watch = true;
    LogSettings log;
    /// Where each key that was written stands, by its dotted name ("server.user").
    std::map<std::string, Position, std::less<>> positions;

    /// A ConfigError at `key`'s position (or naming the file alone when it was not written).
    ConfigError error_at(std::string_view key, const std::string& message) const;
};

/// Reads and validates a server.toml. Relative paths in it are made absolute against the
/// file's directory. Throws ConfigError on any syntax error, unknown key, wrong type or
/// out-of-range value.
Config load_config(const std::filesystem::path& file);

/// Same, from text already in memory; `file` is only used for paths and messages.
Config parse_config(std::string_view text, const std::filesystem::path& file);

}  // namespace kapsel::config
