#include "syndication/xml_text.hpp"

#include <cstdio>
#include <stdexcept>

#include "gemini/utf8.hpp"

namespace kapsel::syndication {

std::optional<DisallowedChar> find_disallowed_xml_char(std::string_view utf8) {
    for (std::size_t i = 0; i < utf8.size();) {
        const auto byte = static_cast<unsigned char>(utf8[i]);
        if (byte >= 0x20 && byte < 0x80) {  // printable ASCII (and DEL): always an XML 1.0 Char
            ++i;
            continue;
        }
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

// The bytes escape() replaces, in text and in attribute values.
constexpr bool is_special(char c, bool attribute) {
    switch (c) {
        case '&': case '<': case '>': case '"': case '\'': case '\r': return true;
        case '\t': case '\n': return attribute;
        default: return false;
    }
}

void escape(std::string& out, std::string_view utf8, bool attribute) {
    if (const auto bad = find_disallowed_xml_char(utf8)) {
        throw std::invalid_argument("character " + code_point_name(bad->code_point) +
                                    " is not allowed in XML 1.0");
    }
    out.reserve(out.size() + utf8.size() + utf8.size() / 16);
    std::size_t run = 0;  // the start of the bytes not yet copied
    for (std::size_t i = 0; i < utf8.size(); ++i) {
        const char c = utf8[i];
        if (!is_special(c, attribute)) continue;
        out.append(utf8, run, i - run);
        run = i + 1;
        switch (c) {
            case '&': out += "&amp;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '"': out += "&quot;"; break;
            case '\'': out += "&apos;"; break;
            case '\r': out += "&#13;"; break;
            case '\t': out += "&#9;"; break;
            default: out += "&#10;"; break;  // '\n' in an attribute
        }
    }
    out.append(utf8, run, utf8.size() - run);
}

}  // namespace

std::string xml_escape(std::string_view utf8) {
    std::string out;
    escape(out, utf8, false);
    return out;
}

std::string xml_attribute(std::string_view utf8) {
    std::string out;
    escape(out, utf8, true);
    return out;
}

void append_xml_escaped(std::string& out, std::string_view utf8) { escape(out, utf8, false); }

void append_xml_attribute(std::string& out, std::string_view utf8) { escape(out, utf8, true); }

}  // namespace kapsel::syndication
