#pragma once
/// Percent-encoding of a path as RFC 3986 describes it, written here from the RFC rather than
/// taken from kapsel, so the fuzz targets check the URLs kapsel writes against it.

#include <string>
#include <string_view>

namespace kapsel::fuzz {

/// Keeps '/' and what a path segment may carry as it is (unreserved, sub-delims, ':' and '@',
/// RFC 3986 §3.3); every other byte becomes %XX with upper-case hex digits (§2.1).
inline std::string percent_encode_path(std::string_view path) {
    static constexpr std::string_view kept = "-._~!$&'()*+,;=:@/";
    static constexpr char hex[] = "0123456789ABCDEF";
    std::string out;
    for (const char ch : path) {
        const auto c = static_cast<unsigned char>(ch);
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
            kept.find(ch) != std::string_view::npos) {
            out += ch;
        } else {
            out += '%';
            out += hex[c >> 4];
            out += hex[c & 0xF];
        }
    }
    return out;
}

/// Every byte but '/' as %xx, lower-case hex: the same path spelt as no client would, but may.
inline std::string percent_encode_all(std::string_view path) {
    static constexpr char hex[] = "0123456789abcdef";
    std::string out;
    for (const char ch : path) {
        const auto c = static_cast<unsigned char>(ch);
        if (ch == '/') {
            out += ch;
        } else {
            out += '%';
            out += hex[c >> 4];
            out += hex[c & 0xF];
        }
    }
    return out;
}

}  // namespace kapsel::fuzz
