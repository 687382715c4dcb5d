#include "web/html_text.hpp"

#include "gemini/utf8.hpp"
#include "text/ascii.hpp"

namespace kapsel::web {
namespace {

constexpr std::string_view replacement_character = "\xEF\xBF\xBD";  // U+FFFD

}  // namespace

std::string to_html_chars(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size();) {
        const gemini::CodePoint cp = gemini::decode_utf8(s, i);
        if (cp.bytes == 0) {
            // One byte at a time: the ASCII byte after a broken sequence is kept as it is.
            out += replacement_character;
            ++i;
        } else if (!is_html_char(cp.value)) {
            out += replacement_character;
            i += cp.bytes;
        } else {
            out.append(s.substr(i, cp.bytes));
            i += cp.bytes;
        }
    }
    return out;
}

std::string html_escape(std::string_view s) {
    const std::string chars = to_html_chars(s);
    std::string out;
    out.reserve(chars.size() + chars.size() / 16);
    for (const char c : chars) {
        switch (c) {
            case '&': out += "&amp;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '"': out += "&quot;"; break;
            case '\'': out += "&#39;"; break;
            default: out += c;
        }
    }
    return out;
}

bool is_safe_href(std::string_view href) {
    std::size_t i = 0;
    while (i < href.size() && static_cast<unsigned char>(href[i]) <= 0x20) ++i;
    std::string scheme;
    for (; i < href.size(); ++i) {
        const char c = href[i];
        if (c == '\t' || c == '\n' || c == '\r') continue;
        if (c == ':') break;
        // A character no scheme may hold: a relative reference, which stays on the mirror.
        if (!text::is_alnum(c) && c != '+' && c != '-' && c != '.') return true;
        scheme += text::to_lower(c);
        if (scheme.size() > 10) return true;  // longer than any scheme refused below
    }
    if (i == href.size()) return true;  // no ':' at all
    return scheme != "javascript" && scheme != "vbscript" && scheme != "data";
}

}  // namespace kapsel::web
