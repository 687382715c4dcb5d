#include "site/access_log.hpp"

#include <cstdio>

#include "gemini/utf8.hpp"

namespace kapsel::site {
namespace {

void append_hex(std::string& out, unsigned char c) {
    static constexpr char digits[] = "0123456789abcdef";
    out += "\\x";
    out.push_back(digits[c >> 4]);
    out.push_back(digits[c & 0xF]);
}

// Length of a valid UTF-8 sequence at s[i] that prints on one line, or 0.
std::size_t printable_utf8_length(std::string_view s, std::size_t i) {
    const auto cp = gemini::decode_utf8(s, i);
    if (cp.bytes == 0) return 0;
    if (cp.value >= 0x80 && cp.value <= 0x9F) return 0;          // C1 controls
    if (cp.value == 0x2028 || cp.value == 0x2029) return 0;      // line and paragraph separators
    return cp.bytes;
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
