#pragma once
/// RFC 3986 building blocks: character classes, percent-encoding, dot-segment removal, IPv6.

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

/// RFC 3986 §5.2.4 for a path that begins with '/': "." and ".." segments are resolved and
/// ".." never climbs above "/". A final "." or ".." leaves a trailing slash ("/a/.." → "/").
std::string remove_dot_segments(std::string_view absolute_path);

/// IPv6address of RFC 3986 §3.2.2 (without brackets): eight h16 groups, or fewer with one
/// "::", the last two optionally written as a dotted IPv4 address. No zone identifier.
bool is_ipv6_address(std::string_view s) noexcept;

}  // namespace kapsel::gemini
