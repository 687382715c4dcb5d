#include "gemini/request.hpp"

#include <vector>

#include "gemini/uri.hpp"
#include "gemini/utf8.hpp"
#include "text/ascii.hpp"

// What is refused, and with which status (first rule that applies wins, in this order):
//   59  empty line; longer than 1024 bytes; leading BOM; a control character (C0, DEL, or a
//       C1 U+0080–U+009F) or a space; invalid UTF-8; a fragment ('#'); a character RFC 3986
//       never allows ("<>\^`{|} and '\'); no scheme or a relative reference; a scheme that
//       breaks RFC 3986 §3.1; a '%' not followed by two hex digits; userinfo ('@' in the
//       authority); a malformed host or IPv6 literal; a port that is not digits or is above
//       65535; a gemini URI without an authority or with an empty host; '[' or ']' outside
//       the host; a ".." that would climb above "/" (also written %2e%2e); a path segment that
//       decodes to invalid UTF-8 or a control character.
//   51  a path segment that decodes to something containing '/', '\' or NUL, or that begins
//       with '.' once dot segments are removed (dot-files: "/.git/config", "/.env").
// parse_uri applies every one of these but the 1024-byte limit.
// Decisions where the RFC leaves room:
//   - "host:" (empty port) means the default port (RFC 3986 §3.2.3): port is nullopt.
//   - A decoded host must consist of unreserved characters, sub-delims and non-ASCII UTF-8:
//     "%41" is fine, "%2F" or "%3A" in a host is 59. One trailing dot is dropped; a host of
//     dots only or with two trailing dots is 59.
//   - Non-ASCII UTF-8 (IRIs, RFC 3987) is accepted in host, path and query as sent.
//   - Any scheme parses, so the server can answer 53 to proxy requests. The path rules apply
//     to every scheme, so every Request satisfies the same invariants; a proxy request for
//     "https://host/.env" is therefore refused with 51, not 53. A URI without authority
//     ("mailto:a@b") has an empty host and its path made absolute ("/a@b").
//   - Empty segments ("/a//b") are kept: normalisation does not merge them, and no file has
//     such a name, so they simply do not match.
//   - "?" with nothing after it is kept as an empty query, distinct from no query.

namespace kapsel::gemini {
namespace {

Rejection bad_request(std::string meta) { return {Status::bad_request, std::move(meta)}; }
Rejection not_found() { return {Status::not_found, "not found"}; }

// Characters RFC 3986 does not allow anywhere in a URI (besides controls and space).
bool is_never_allowed(char c) noexcept {
    switch (c) {
        case '"': case '<': case '>': case '\\': case '^': case '`': case '{': case '|': case '}':
            return true;
        default:
            return false;
    }
}

bool is_reg_name_char(char c) noexcept {
    return is_unreserved(c) || is_sub_delim(c) || static_cast<unsigned char>(c) >= 0x80;
}

// host [":" port], userinfo already excluded. Fills request.host and request.port.
std::optional<Rejection> parse_host_port(std::string_view authority, Request& request) {
    std::string_view port_text;
    bool has_port = false;
    if (!authority.empty() && authority[0] == '[') {
        const auto close = authority.find(']');
        if (close == std::string_view::npos) return bad_request("invalid IPv6 address");
        const std::string_view literal = authority.substr(1, close - 1);
        if (!is_ipv6_address(literal)) return bad_request("invalid IPv6 address");
        request.host.assign(literal);
        text::lower_in_place(request.host);
        const std::string_view after = authority.substr(close + 1);
        if (!after.empty()) {
            if (after[0] != ':') return bad_request("invalid host");
            port_text = after.substr(1);
            has_port = true;
        }
    } else {
        const auto colon = authority.find(':');
        const std::string_view raw_host = authority.substr(0, colon);
        if (colon != std::string_view::npos) {
            port_text = authority.substr(colon + 1);
            has_port = true;
        }
        for (char c : raw_host)
            if (c != '%' && !is_reg_name_char(c)) return bad_request("invalid host");
        std::string host = percent_decode(raw_host);
        if (!is_valid_utf8(host) || has_control_character(host)) return bad_request("invalid host");
        for (char c : host)
            if (!is_reg_name_char(c)) return bad_request("invalid host");
        text::lower_in_place(host);
        if (!host.empty() && host.back() == '.') {
            host.pop_back();
            if (host.empty() || host.back() == '.') return bad_request("invalid host");
        }
        request.host = std::move(host);
    }
    if (has_port && !port_text.empty()) {  // "host:" is the default port, as RFC 3986 says
        std::uint32_t value = 0;
        for (char c : port_text) {
            if (c < '0' || c > '9') return bad_request("invalid port");
            value = value * 10 + static_cast<std::uint32_t>(c - '0');
            if (value > 65535) return bad_request("invalid port");
        }
        request.port = static_cast<std::uint16_t>(value);
    }
    return std::nullopt;
}

// Raw absolute path → decoded, dot-free path in request.path.
std::optional<Rejection> normalise_path(std::string_view raw, Request& request) {
    // RFC 3986 would keep "/../x" at "/x"; a client never sends that for a page it saw, so
    // it is a probe or a broken client: refused, like every other malformed request.
    const auto dotless = remove_dot_segments(decode_percent_dots(raw));
    if (!dotless) return bad_request("path climbs above the root");
    const std::string& resolved = *dotless;
    std::vector<std::string> segments;
    std::string_view rest = std::string_view(resolved).substr(1);
    while (true) {
        const auto slash = rest.find('/');
        segments.push_back(percent_decode(rest.substr(0, slash)));
        if (slash == std::string_view::npos) break;
        rest.remove_prefix(slash + 1);
    }
    // Malformed (59) is reported before merely unservable (51).
    for (const auto& segment : segments) {
        if (!is_valid_utf8(segment)) return bad_request("path is not valid UTF-8");
        for (std::size_t i = 0; i < segment.size(); ++i) {
            const auto c = static_cast<unsigned char>(segment[i]);
            const bool c1 = c == 0xC2 && i + 1 < segment.size() &&
                            static_cast<unsigned char>(segment[i + 1]) <= 0x9F;
            if ((c != 0 && c < 0x20) || c == 0x7F || c1)
                return bad_request("control character in path");
        }
    }
    for (const auto& segment : segments) {
        // A decoded '/', '\' or NUL would change what the segment means on a file system.
        if (segment.find_first_of(std::string_view("/\\\0", 3)) != std::string::npos) return not_found();
        if (!segment.empty() && segment[0] == '.') return not_found();  // dot-files
    }
    std::string path;
    path.reserve(resolved.size());
    for (const auto& segment : segments) {
        path.push_back('/');
        path.append(segment);
    }
    request.path = std::move(path);
    return std::nullopt;
}

}  // namespace

ParsedRequest parse_request(std::string_view line) {
    if (line.size() > max_request_uri_bytes) return bad_request("request longer than 1024 bytes");
    return parse_uri(line);
}

ParsedRequest parse_uri(std::string_view uri) {
    if (uri.empty()) return bad_request("empty request");
    if (uri.starts_with("\xEF\xBB\xBF")) return bad_request("byte order mark not allowed");
    for (char c : uri) {
        const auto b = static_cast<unsigned char>(c);
        if (b == ' ') return bad_request("space in request");
        if (b < 0x20 || b == 0x7F) return bad_request("control character in request");
    }
    if (!is_valid_utf8(uri)) return bad_request("request is not valid UTF-8");
    if (has_control_character(uri)) return bad_request("control character in request");  // C1
    if (uri.find('#') != std::string_view::npos) return bad_request("fragment not allowed");
    for (char c : uri)
        if (is_never_allowed(c)) return bad_request("character not allowed in a URI");

    // scheme ":" hier-part [ "?" query ]; a ':' after '/' or '?' belongs to a relative reference.
    const auto colon = uri.find(':');
    if (colon == std::string_view::npos || colon == 0 ||
        uri.substr(0, colon).find_first_of("/?") != std::string_view::npos)
        return bad_request("not an absolute URI");
    Request request;
    request.scheme.assign(uri.substr(0, colon));
    if (!is_valid_scheme(request.scheme)) return bad_request("invalid scheme");
    text::lower_in_place(request.scheme);
    if (!has_valid_percent_escapes(uri)) return bad_request("bad percent-escape");

    std::string_view rest = uri.substr(colon + 1);
    if (const auto question = rest.find('?'); question != std::string_view::npos) {
        request.query.emplace(rest.substr(question + 1));
        rest = rest.substr(0, question);
    }
    std::string raw_path;
    if (rest.starts_with("//")) {
        rest.remove_prefix(2);
        const auto slash = rest.find('/');
        const std::string_view authority = rest.substr(0, slash);
        if (authority.find('@') != std::string_view::npos) return bad_request("userinfo not allowed");
        if (auto rejection = parse_host_port(authority, request)) return *std::move(rejection);
        raw_path.assign(slash == std::string_view::npos ? std::string_view() : rest.substr(slash));
    } else {
        // No authority ("mailto:a@b", "gemini:/x"): keep the path, made absolute.
        raw_path.assign(rest.starts_with('/') ? "" : "/");
        raw_path.append(rest);
    }
    if (request.scheme == "gemini" && request.host.empty()) return bad_request("missing host");
    if (raw_path.find_first_of("[]") != std::string::npos ||
        (request.query && request.query->find_first_of("[]") != std::string::npos))
        return bad_request("character not allowed in a URI");
    if (auto rejection = normalise_path(raw_path, request)) {
        // A proxy request is refused as such (53), whatever its path would name here.
        if (request.scheme != "gemini" && rejection->status == Status::not_found) {
            request.path = "/";
            return request;
        }
        return *std::move(rejection);
    }
    return request;
}

LineState find_request_line(std::string_view received, std::size_t& line_length) {
    // A CRLF may start at offset 1024 at the latest (a 1024-byte URI).
    const std::size_t limit = max_request_uri_bytes + 2;
    const auto crlf = received.substr(0, limit).find("\r\n");
    if (crlf != std::string_view::npos) {
        line_length = crlf;
        return LineState::complete;
    }
    if (received.size() >= limit) return LineState::too_long;
    // 1025 bytes whose last is not CR: no CRLF can end the URI in time any more.
    if (received.size() == limit - 1 && received.back() != '\r') return LineState::too_long;
    return LineState::incomplete;
}

}  // namespace kapsel::gemini
