// libFuzzer target for the request line: parse_request, find_request_line and encode_path
// must never crash, and whatever parses must be safe to resolve under a root. Invariants:
// - a parsed path is absolute, without dot segments, NUL, backslash or dot-files, and valid UTF-8;
// - the request rebuilt from its parts parses back to the same parts (with parse_uri, so a
//   rebuilt URI longer than 1024 bytes, as percent-encoded UTF-8 becomes, is checked too);
// - parse_request is parse_uri plus the 1024-byte limit;
// - find_request_line ends a request exactly at the first CRLF within the limit;
// - encode_path writes only characters a URI path may carry.

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <variant>

#include "gemini/request.hpp"
#include "gemini/uri.hpp"
#include "gemini/utf8.hpp"

namespace {

using namespace kapsel::gemini;

// Aborts, naming the line, when an invariant does not hold (__builtin_LINE: clang 14 has no
// std::source_location yet, and fuzz targets are built with clang only).
void check(bool condition, unsigned line = __builtin_LINE()) {
    if (condition) return;
    std::fprintf(stderr, "fuzz_request.cpp:%u: invariant broken\n", line);
    std::abort();
}

void check_path(const std::string& path) {
    check(!path.empty() && path[0] == '/');
    check(path.find('\0') == std::string::npos);
    check(path.find('\\') == std::string::npos);
    check(is_valid_utf8(path));
    // No ".", ".." or dot-file segment anywhere.
    for (std::size_t start = 1; start <= path.size();) {
        std::size_t end = path.find('/', start);
        if (end == std::string::npos) end = path.size();
        check(end == start || path[start] != '.');
        start = end + 1;
    }
}

void check_request(std::string_view input, const Request& request) {
    check(!input.empty());
    check(input.find('#') == std::string_view::npos);
    check(!request.scheme.empty());
    for (char c : request.scheme) check(!(c >= 'A' && c <= 'Z'));
    check(is_valid_utf8(request.host) && !has_control_character(request.host));
    for (char c : request.host) check(!(c >= 'A' && c <= 'Z') && c != '/' && c != '\\' && c != '@');
    check(request.host.empty() || request.host.back() != '.');
    if (request.scheme == "gemini") check(!request.host.empty());
    check_path(request.path);
    if (request.query) check(is_valid_utf8(*request.query) && !has_control_character(*request.query));

    // Normalisation is stable: the request rebuilt from its parts parses to the same parts.
    std::string uri = request.scheme + "://";
    uri += request.host.find(':') != std::string::npos ? "[" + request.host + "]" : request.host;
    if (request.port) uri += ":" + std::to_string(*request.port);
    uri += encode_path(request.path);
    if (request.query) uri += "?" + *request.query;
    const auto again = parse_uri(uri);
    const auto* same = std::get_if<Request>(&again);
    check(same != nullptr);
    check(same->scheme == request.scheme);
    check(same->host == request.host);
    check(same->port == request.port);
    check(same->path == request.path);
    check(same->query == request.query);
}

// parse_request is the length limit, then parse_uri.
void check_same_as_parse_request(std::string_view input, const ParsedRequest& by_uri) {
    const auto parsed = parse_request(input);
    if (input.size() > max_request_uri_bytes) {
        const auto* rejection = std::get_if<Rejection>(&parsed);
        check(rejection != nullptr && rejection->status == Status::bad_request);
        return;
    }
    check(parsed.index() == by_uri.index());
    if (const auto* request = std::get_if<Request>(&parsed)) {
        const auto& other = std::get<Request>(by_uri);
        check(request->scheme == other.scheme && request->host == other.host && request->port == other.port &&
              request->path == other.path && request->query == other.query);
    } else {
        const auto& a = std::get<Rejection>(parsed);
        const auto& b = std::get<Rejection>(by_uri);
        check(a.status == b.status && a.meta == b.meta);
    }
}

void check_line(std::string_view received) {
    std::size_t length = 0;
    const auto state = find_request_line(received, length);
    const auto crlf = received.find("\r\n");
    switch (state) {
        case LineState::complete:
            check(length == crlf && length <= max_request_uri_bytes);
            break;
        case LineState::too_long:
            check(received.size() > max_request_uri_bytes);
            check(crlf == std::string_view::npos || crlf > max_request_uri_bytes);
            break;
        case LineState::incomplete:
            check(crlf == std::string_view::npos && received.size() <= max_request_uri_bytes + 1);
            break;
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    check_line(input);

    const auto parsed = parse_uri(input);
    if (const auto* request = std::get_if<Request>(&parsed)) {
        check_request(input, *request);
    } else {
        const auto& rejection = std::get<Rejection>(parsed);
        check(rejection.status == Status::bad_request || rejection.status == Status::not_found);
        check(!rejection.meta.empty() && rejection.meta.size() < 64);
    }
    check_same_as_parse_request(input, parsed);

    for (unsigned char c : encode_path(input)) {
        check(c > 0x20 && c < 0x7F && c != '?' && c != '#' && c != '[' && c != ']');
    }
    return 0;
}
