#include "site/access_log.hpp"

#include <cstdio>

#include "gemini/titan.hpp"
#include "gemini/utf8.hpp"
#include "text/ascii.hpp"

namespace kapsel::site {
namespace {

void append_hex(std::string& out, unsigned char c) {
    out += "\\x";
    text::append_hex(out, c, text::HexCase::lower);
}

// \u202e, or \U000e0041 beyond the BMP.
void append_code_point(std::string& out, std::uint32_t cp) {
    out += cp > 0xFFFF ? "\\U" : "\\u";
    for (int shift = cp > 0xFFFF ? 24 : 8; shift >= 0; shift -= 8)
        text::append_hex(out, static_cast<unsigned char>(cp >> shift), text::HexCase::lower);
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
        const auto cp = gemini::decode_utf8(text, i);
        if (cp.bytes == 0 || (cp.value >= 0x80 && cp.value <= 0x9F)) {  // not UTF-8, or a C1 control
            append_hex(out, c);
            ++i;
            continue;
        }
        // Line and paragraph separators, bidirectional controls and other invisible format
        // characters: as text they could break or visually reorder the line in a terminal.
        if (cp.value == 0x2028 || cp.value == 0x2029 || gemini::is_format_character(cp.value))
            append_code_point(out, cp.value);
        else
            out.append(text.substr(i, cp.bytes));
        i += cp.bytes;
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
    // Upload tokens are secrets: never in a log, whatever else is.
    const bool titan = r.request.size() > 6 && text::equals_ignoring_case(r.request.substr(0, 6), "titan:");
    line += escape_for_log(titan ? gemini::redact_titan_token(r.request) : std::string(r.request));
    line += "\" ";
    char tail[64];
    const auto micros = r.duration.count();
    std::snprintf(tail, sizeof tail, "%02d %zu %lld.%03lldms", r.status, r.bytes,
                  static_cast<long long>(micros / 1000), static_cast<long long>(micros % 1000));
    if (r.status == 0) line += "-";
    line += r.status == 0 ? tail + 2 : tail;
    line += ' ';
    line += r.certificate.empty() ? std::string("-") : escape_for_log(r.certificate);
    return line;
}

}  // namespace kapsel::site
