#pragma once
/// Text as HTML5 carries it: which characters a document may hold at all, escaping for text
/// and attributes, and which hrefs may be written.

#include <cstdint>
#include <string>
#include <string_view>

namespace kapsel::web {

/// True for a character the HTML parser takes without a parse error (HTML §13.2.3.5): not NUL,
/// not a control other than ASCII whitespace (tab, LF, FF, CR are fine), not a noncharacter
/// (U+FDD0–U+FDEF, U+xFFFE, U+xFFFF). A character reference cannot carry the others either
/// (&#1; and &#13; are parse errors too).
constexpr bool is_html_char(std::uint32_t cp) {
    if (cp < 0x20) return cp == 0x9 || cp == 0xA || cp == 0xC || cp == 0xD;
    if (cp >= 0x7F && cp <= 0x9F) return false;
    if (cp >= 0xFDD0 && cp <= 0xFDEF) return false;
    return (cp & 0xFFFE) != 0xFFFE && cp <= 0x10FFFF;
}

/// `s` with each byte that does not start valid UTF-8, and each character is_html_char refuses,
/// replaced with U+FFFD: the reader sees that something was there, and the page stays valid.
std::string to_html_chars(std::string_view s);

/// to_html_chars, then & < > " ' escaped, so the result is safe as text and inside either kind
/// of attribute quotes: nothing in it can become markup.
std::string html_escape(std::string_view s);
/// html_escape appended to `out`.
void append_html_escaped(std::string& out, std::string_view s);

/// False for a javascript:, vbscript: or data: URL, recognised as a browser's URL parser reads
/// an href (WHATWG URL): leading C0 controls and spaces skipped, tab, LF and CR ignored
/// anywhere, the scheme in any case. Everything else (relative references, other schemes) is
/// safe to put in an href.
bool is_safe_href(std::string_view href);

}  // namespace kapsel::web
