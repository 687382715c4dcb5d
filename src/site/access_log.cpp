#include "site/access_log.hpp"

#include <cstdio>

namespace kapsel::site {
namespace {

void append_hex(std::string& out, unsigned char c) {
    static constexpr char digits[] = "0123456789abcdef";
    out += "\\x";
    out.push_back(digits[c >> 4]);
    out.push_back(digits[c & 0xF]);
}

// Length of a valid UTF-8 sequence at s[i] that is not a C1 control, or 0.
std::size_t printable_utf8_length(std::string_view s, std::size_t i) {
    const auto b0 = static_cast<unsigned char>(s[i]);
    std::size_t len;
    unsigned cp;
    if ((b0 & 0xE0) == 0xC0) { len = 2; cp = b0 & 0x1F; }
    else if ((b0 & 0xF0) == 0xE0) { len = 3; cp = b0 & 0x0F; }
    else if ((b0 & 0xF8) == 0xF0) { len = 4; cp = b0 & 0x07; }
    else return 0;
    if (i + len > s.size()) return 0;
    for (std::size_t k = 1; k < len; ++k) {
        const auto b = static_cast<unsigned char>(s[i + k]);
        if ((b & 0xC0) != 0x80) return 0;
        cp = (cp << 6) | (b & 0x3F);
    }
    static constexpr unsigned min_for_length[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < min_for_length[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
    if (cp >= 0x80 && cp <= 0x9F) return 0;  // C1 controls
    if (cp == 0x2028 || cp == 0x2029) return 0;  // line and paragraph separators
    return len;
}

}  // namespace

std::string escape_for_log(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size();) {
        const auto c = static_cast<unsigned char>(text[i]);
        if (c < 0x80) {
            if (c < 0x20 || c == 0x7F || c == '\\' || c == '"') append_hex(out, c);
            else out.push_back(static_cast<char>(c));
            ++i;
            continue;
        }
        if (const auto len = printable_utf8_length(text, i)) {
            out.append(text.substr(i, len));
            i += len;
        } else {
            append_hex(out, c);
            ++i;
        }
    }
    return out;
}

std::string format_access_line(const AccessRecord& r) {
    std::string line;
    line.reserve(r.request.size() + r.client.size() + r.sni.size() + 48);
    line += escape_for_log(r.client);
    line += " \"";
    line += escape_for_log(r.sni);
    line += "\" \"";
    line += escape_for_log(r.request);
    line += "\" ";
    char tail[64];
    const auto micros = r.duration.count();
    std::snprintf(tail, sizeof tail, "%02d %zu %lld.%03lldms", r.status, r.bytes,
                  static_cast<long long>(micros / 1000), static_cast<long long>(micros % 1000));
    if (r.status == 0) line += "-";
    line += r.status == 0 ? tail + 2 : tail;
    return line;
}

}  // namespace kapsel::site
