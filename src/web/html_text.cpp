#include "web/html_text.hpp"

#include "gemini/utf8.hpp"
#include "text/ascii.hpp"

namespace kapsel::web {
namespace {

constexpr std::string_view replacement_character = "\xEF\xBF\xBD";  // U+FFFD

}  // namespace

namespace {

/// to_html_chars into `out`, with `escape` deciding what becomes of each ASCII byte that is
/// kept (return false to copy it as it is). Runs of plain printable ASCII are copied whole.
template <typename Escape>
void append_html_chars(std::string& out, std::string_view s, Escape escape) {
    std::size_t run = 0;  // the start of the bytes not yet copied
    for (std::size_t i = 0; i < s.size();) {
        const auto byte = static_cast<unsigned char>(s[i]);
        if (byte >= 0x20 && byte < 0x7F) {  // printable ASCII: an HTML char
            if (!escape(s[i], run, i)) {
                ++i;
                continue;
            }
            run = ++i;
            continue;
        }
        out.append(s, run, i - run);
        const gemini::CodePoint cp = gemini::decode_utf8(s, i);
        if (cp.bytes == 0) {
            // One byte at a time: the ASCII byte after a broken sequence is kept as it is.
            out += replacement_character;
            ++i;
        } else if (!is_html_char(cp.value)) {
            out += replacement_character;
            i += cp.bytes;
        } else {
            out.append(s, i, cp.bytes);
            i += cp.bytes;
        }
        run = i;
    }
    out.append(s, run, s.size() - run);
}

}  // namespace

std::string to_html_chars(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    append_html_chars(out, s, [](char, std::size_t, std::size_t) { return false; });
    return out;
}

std::string html_escape(std::string_view s) {
    std::string out;
    append_html_escaped(out, s);
    return out;
}

void append_html_escaped(std::string& out, std::string_view s) {
    out.reserve(out.size() + s.size() + s.size() / 16);
    append_html_chars(out, s, [&](char c, std::size_t run, std::size_t i) {
        const char* entity = nullptr;
        switch (c) {
            case '&': entity = "&amp;"; break;
            case '<': entity = "&lt;"; break;
            case '>': entity = "&gt;"; break;
            case '"': entity = "&quot;"; break;
            case '\'': entity = "&#39;"; break;
            default: return false;
        }
        out.append(s, run, i - run);
        out += entity;
        return true;
    });
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
