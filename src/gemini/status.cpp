#include "gemini/status.hpp"

#include "gemini/utf8.hpp"

namespace kapsel::gemini {

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
        } else {
            piece = meta.substr(i, len);
            if (has_control_character(piece)) piece = " ";  // C0, DEL and C1 alike
        }
        if (meta_bytes + piece.size() > max_meta_bytes) break;
        out.append(piece);
        meta_bytes += piece.size();
        i += len;
    }
    out.append("\r\n");
    return out;
}

std::optional<ResponseHeader> parse_response_header(std::string_view line) {
    if (line.size() < 2 || line[0] < '1' || line[0] > '6' || line[1] < '0' || line[1] > '9') return std::nullopt;
    ResponseHeader header;
    header.status = (line[0] - '0') * 10 + (line[1] - '0');
    if (line.size() == 2) return header;
    if (line[2] != ' ') return std::nullopt;
    const std::string_view meta = line.substr(3);
    if (meta.size() > max_meta_bytes || !is_valid_utf8(meta) || has_control_character(meta)) return std::nullopt;
    header.meta = std::string(meta);
    return header;
}

}  // namespace kapsel::gemini
