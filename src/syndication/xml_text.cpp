#include "syndication/xml_text.hpp"

#include <cstdio>
#include <stdexcept>

#include "gemini/utf8.hpp"

namespace kapsel::syndication {

std::optional<DisallowedChar> find_disallowed_xml_char(std::string_view utf8) {
    for (std::size_t i = 0; i < utf8.size();) {
        const gemini::CodePoint cp = gemini::decode_utf8(utf8, i);
        if (cp.bytes == 0) return DisallowedChar{i, 0xFFFFFFFF};
        if (!is_xml_char(cp.value)) return DisallowedChar{i, cp.value};
        i += cp.bytes;
    }
    return std::nullopt;
}

std::string code_point_name(std::uint32_t cp) {
    if (cp == 0xFFFFFFFF) return "a byte that is not UTF-8";
    char buf[16];
    std::snprintf(buf, sizeof buf, "U+%04X", static_cast<unsigned>(cp));
    return buf;
}

namespace {

std::string escape(std::string_view utf8, bool attribute) {
    if (const auto bad = find_disallowed_xml_char(utf8)) {
        throw std::invalid_argument("character " + code_point_name(bad->code_point) +
                                    " is not allowed in XML 1.0");
    }
    std::string out;
    out.reserve(utf8.size() + utf8.size() / 16);
    for (const char c : utf8) {
        switch (c) {
            case '&': out += "&amp;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '"': out += "&quot;"; break;
            case '\'': out += "&apos;"; break;
            case '\r': out += "&#13;"; break;
            case '\t': out += attribute ? "&#9;" : "\t"; break;
            case '\n': out += attribute ? "&#10;" : "\n"; break;
            default: out += c;
        }
    }
    return out;
}

}  // namespace

std::string xml_escape(std::string_view utf8) { return escape(utf8, false); }

std::string xml_attribute(std::string_view utf8) { return escape(utf8, true); }

}  // namespace kapsel::syndication
