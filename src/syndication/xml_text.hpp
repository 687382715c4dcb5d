#pragma once
/// Text as XML 1.0 carries it: which characters are allowed at all, and escaping.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace kapsel::syndication {

/// XML 1.0 §2.2 Char: tab, LF, CR, U+0020–U+D7FF, U+E000–U+FFFD, U+10000–U+10FFFF.
constexpr bool is_xml_char(std::uint32_t cp) {
    return cp == 0x9 || cp == 0xA || cp == 0xD || (cp >= 0x20 && cp <= 0xD7FF) ||
           (cp >= 0xE000 && cp <= 0xFFFD) || (cp >= 0x10000 && cp <= 0x10FFFF);
}

/// The first character XML 1.0 cannot carry (or invalid UTF-8), with its byte offset.
struct DisallowedChar {
    std::size_t offset = 0;
    std::uint32_t code_point = 0;  // 0xFFFFFFFF for a byte that is not UTF-8
};
std::optional<DisallowedChar> find_disallowed_xml_char(std::string_view utf8);

/// "U+0001", for messages.
std::string code_point_name(std::uint32_t cp);

/// Escapes & < > " ' (so the result is safe in text and in either kind of attribute quotes)
/// and CR as &#13; (a parser would otherwise turn it into LF). Throws std::invalid_argument
/// when the text holds a character XML 1.0 cannot carry: callers check at load time.
std::string xml_escape(std::string_view utf8);

/// xml_escape for an attribute value: also tab and LF as &#9; and &#10;, which a parser
/// would otherwise normalise to spaces (XML 1.0 §3.3.3), so the value reads back as written.
std::string xml_attribute(std::string_view utf8);

/// xml_escape and xml_attribute appended to `out` (no string of their own: writers that put
/// thousands of texts into one document use these).
void append_xml_escaped(std::string& out, std::string_view utf8);
void append_xml_attribute(std::string& out, std::string_view utf8);

}  // namespace kapsel::syndication
