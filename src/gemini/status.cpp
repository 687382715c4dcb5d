#include "gemini/status.hpp"

#include <cstdint>

namespace kapsel::gemini {
namespace {

// Length of the valid UTF-8 sequence starting at s[i], or 0 when it is not valid.
std::size_t utf8_sequence_length(std::string_view s, std::size_t i) {
    const auto b0 = static_cast<unsigned char>(s[i]);
    if (b0 < 0x80) return 1;
    std::size_t len;
    std::uint32_t min;
    std::uint32_t cp;
    if ((b0 & 0xE0) == 0xC0) { len = 2; min = 0x80; cp = b0 & 0x1F; }
    else if ((b0 & 0xF0) == 0xE0) { len = 3; min = 0x800; cp = b0 & 0x0F; }
    else if ((b0 & 0xF8) == 0xF0) { len = 4; min = 0x10000; cp = b0 & 0x07; }
    else return 0;
    if (i + len > s.size()) return 0;
    for (std::size_t k = 1; k < len; ++k) {
        const auto b = static_cast<unsigned char>(s[i + k]);
        if ((b & 0xC0) != 0x80) return 0;
        cp = (cp << 6) | (b & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
    return len;
}

}  // namespace

std::string response_header(Status status, std::string_view meta) {
    std::string out;
    out.reserve(meta.size() + 5);
    const int code = static_cast<int>(status);
    out.push_back(static_cast<char>('0' + code / 10));
    out.push_back(static_cast<char>('0' + code % 10));
    out.push_back(' ');
    std::size_t meta_bytes = 0;
    for (std::size_t i = 0; i < meta.size();) {
        std::size_t len = utf8_sequence_length(meta, i);
        std::string_view piece;
        if (len == 0) {
            piece = "\xEF\xBF\xBD";  // U+FFFD for a byte that is not UTF-8
            len = 1;
        } else if (len == 1) {
            const auto c = static_cast<unsigned char>(meta[i]);
            piece = (c < 0x20 || c == 0x7F) ? std::string_view(" ") : meta.substr(i, 1);
        } else {
            piece = meta.substr(i, len);
        }
        if (meta_bytes + piece.size() > max_meta_bytes) break;
        out.append(piece);
        meta_bytes += piece.size();
        i += len;
    }
    out.append("\r\n");
    return out;
}

}  // namespace kapsel::gemini
