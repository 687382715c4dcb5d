// libFuzzer target for server.toml: any text either loads or is refused with a ConfigError;
// nothing else may escape. Invariants:
// - every ConfigError points into the file: line and column both at least 1, and what() is
//   "/fuzz/server.toml:LINE:COL: " followed by the message;
// - a loaded config respects every documented range: at least one listen address, no two
//   that overlap; public_port 1–65535 when set; request_timeout and response_timeout
//   0.1–3600 s, shutdown_grace 0–600 s; max_connections and max_connections_per_address
//   1–1 000 000; workers 0–1024; rate_limit_per_second >= 0, rate_limit_burst >= 1 (finite);
//   session_tickets 0–16; feed.max_entries 1–100 000; capsule.lang one BCP 47 tag; every path
//   absolute; host names non-empty, lower case, without a trailing dot; feed.authority and
//   feed.title non-empty; feed.paths without slashes at either end; log.level one of its
//   names; every recorded key position 1-based.

#include <arpa/inet.h>
#include <netinet/in.h>

#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"
#include "text/language_tag.hpp"

namespace {

using namespace kapsel::config;

constexpr std::string_view file_name = "/fuzz/server.toml";

// Found by this target and fixed: server.hostnames once dropped only one trailing dot, so "a.."
// loaded as "a.", a name no request can reach.
constexpr bool trailing_dot_fixed = true;

// Aborts, naming the line, when an invariant does not hold (__builtin_LINE: clang 14 has no
// std::source_location yet, and fuzz targets are built with clang only).
void check(bool condition, unsigned line = __builtin_LINE()) {
    if (condition) return;
    std::fprintf(stderr, "fuzz_config.cpp:%u: invariant broken\n", line);
    std::abort();
}

void check_error(const ConfigError& e) {
    check(e.file() == file_name);
    check(e.line() > 0 && e.column() > 0);
    const std::string prefix =
        std::string(file_name) + ":" + std::to_string(e.line()) + ":" + std::to_string(e.column()) + ": ";
    check(std::string_view(e.what()) == prefix + e.message());
    check(!e.message().empty());
}

bool is_ip_address(const std::string& host) {
    unsigned char ip[sizeof(in6_addr)];
    const int family = host.find(':') != std::string::npos ? AF_INET6 : AF_INET;
    return ::inet_pton(family, host.c_str(), ip) == 1;
}

void check_seconds(std::chrono::milliseconds value, std::int64_t min_ms, std::int64_t max_ms) {
    check(value.count() >= min_ms && value.count() <= max_ms);
}

void check_config(const Config& c) {
    check(c.file == file_name);
    for (const auto& [key, where] : c.positions) check(!key.empty() && where.line >= 1 && where.column >= 1);

    const ServerSettings& s = c.server;
    check(!s.listen.empty());
    std::vector<ListenAddress> earlier;
    for (const ListenAddress& a : s.listen) {
        check(is_ip_address(a.host));  // the port is a uint16_t: 0–65535 by its type
        check(!overlapping_listener(earlier, a));
        earlier.push_back(a);
    }
    if (s.public_port) check(*s.public_port >= 1);
    check_seconds(s.request_timeout, 100, 3'600'000);
    check_seconds(s.response_timeout, 100, 3'600'000);
    check_seconds(s.shutdown_grace, 0, 600'000);
    check(s.max_connections >= 1 && s.max_connections <= 1'000'000);
    check(s.max_connections_per_address >= 1 && s.max_connections_per_address <= 1'000'000);
    check(s.workers <= 1024);
    check(std::isfinite(s.rate_limit_per_second) && s.rate_limit_per_second >= 0);
    check(std::isfinite(s.rate_limit_burst) && s.rate_limit_burst >= 1);

    check(c.tls.session_tickets <= 16);
    if (c.tls.ticket_key_file) check(c.tls.ticket_key_file->is_absolute());

    // Every host: names served by no other host, all in kapsel's form; absolute paths; a tag.
    check(!c.hosts.empty());
    std::set<std::string, std::less<>> names;
    for (const HostSettings& host : c.hosts) {
        check(!host.names.empty());
        for (const std::string& h : host.names) {
            check(!h.empty());
            check(h.back() != '.' || !trailing_dot_fixed);
            check(h.front() != '.' && h.find("..") == std::string::npos);
            for (const char ch : h) check(!(ch >= 'A' && ch <= 'Z'));
            check(names.insert(h).second);
        }
        check(host.certificate.is_absolute() && host.key.is_absolute());
        check(host.root.is_absolute());
        check(kapsel::text::is_language_tag(host.lang));
        check(!host.feed.authority.empty() && !host.feed.title.empty());
        check(host.feed.max_entries >= 1 && host.feed.max_entries <= 100'000);
        for (const std::string& p : host.feed.paths) check(!p.empty() && p.front() != '/' && p.back() != '/');
    }

    static const std::set<std::string, std::less<>> levels{"trace", "debug", "info", "warn",
                                                           "error", "critical", "off"};
    check(levels.contains(c.log.level));
    if (c.log.access_log.kind == AccessLogTarget::Kind::file) check(c.log.access_log.file.is_absolute());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    try {
        check_config(parse_config(text, std::string(file_name)));
    } catch (const ConfigError& e) {
        check_error(e);
    }
    return 0;
}
