#pragma once
/// RFC 3986 building blocks, the one home of every URI rule kapsel has: character classes,
/// percent-encoding and decoding, dot-segment removal, IPv6 literals, and the gemini:// URLs
/// kapsel writes into links, redirects and feeds.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace kapsel::gemini {

/// ALPHA / DIGIT / "-" / "." / "_" / "~" (RFC 3986 §2.3).
bool is_unreserved(char c) noexcept;

/// "!" / "$" / "&" / "'" / "(" / ")" / "*" / "+" / "," / ";" / "=" (RFC 3986 §2.2).
bool is_sub_delim(char c) noexcept;

/// scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) (RFC 3986 §3.1).
bool is_valid_scheme(std::string_view scheme) noexcept;

/// True when every '%' is followed by two hex digits.
bool has_valid_percent_escapes(std::string_view s) noexcept;

/// Decodes every %XX. Precondition: has_valid_percent_escapes(s).
std::string percent_decode(std::string_view s);

/// Decodes only %2E/%2e to '.', the unreserved character that matters to dot segments,
/// which RFC 3986 §6.2.2.2 allows before they are removed.
std::string decode_percent_dots(std::string_view s);

/// RFC 3986 §5.2.4 for a path that begins with '/': "." and ".." segments are resolved; a
/// final "." or ".." leaves a trailing slash ("/a/.." → "/"). RFC 3986 lets a ".." at the top
/// stay at "/"; no client sends that for a real page, so it is refused here: nullopt when a
/// ".." would climb above "/" ("/..", "/a/../../b").
std::optional<std::string> remove_dot_segments(std::string_view absolute_path);

/// Percent-encodes a decoded path for a URI: keeps '/' and the characters RFC 3986 allows in a
/// path segment (unreserved, sub-delims, ':' and '@'); every other byte, spaces and all of
/// UTF-8 included, becomes %XX.
std::string encode_path(std::string_view decoded_path);

/// Percent-encodes `s` as one query or path component: every byte but the unreserved ones
/// becomes %XX, so a whole URL can travel as another URL's query ("gemini://a/b" →
/// "gemini%3A%2F%2Fa%2Fb"), as aggregators' submit URLs expect.
std::string encode_component(std::string_view s);

/// Where the web mirror puts the page at capsule path `path` (decoded or encoded alike): a
/// final ".gmi" (in any case, as the capsule serves it) becomes ".html"; everything else, "/"
/// and "/dir/" included, stays.
std::string mirror_page_path(std::string_view path);

/// "gemini://HOST/" or, when the port clients use is not 1965, "gemini://HOST:PORT/".
/// An IPv6 literal is bracketed.
std::string base_url(std::string_view host, std::optional<std::uint16_t> public_port);

/// `base` ("gemini://host/", "https://mirror.example/") joined with an absolute capsule path
/// ("/a b.gmi"), encoded.
std::string absolute_url(std::string_view base, std::string_view path);

/// IPv6address of RFC 3986 §3.2.2 (without brackets): eight h16 groups, or fewer with one
/// "::", the last two optionally written as a dotted IPv4 address. No zone identifier.
bool is_ipv6_address(std::string_view s) noexcept;

}  // namespace kapsel::gemini
