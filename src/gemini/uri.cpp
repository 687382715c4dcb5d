#include "gemini/uri.hpp"

#include <vector>

namespace kapsel::gemini {
namespace {

bool is_alpha(char c) noexcept { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }

int hex_value(char c) noexcept {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// dec-octet: 0–255 without leading zeros.
bool is_dec_octet(std::string_view s) noexcept {
    if (s.empty() || s.size() > 3) return false;
    for (char c : s)
        if (!is_digit(c)) return false;
    if (s.size() > 1 && s[0] == '0') return false;
    int value = 0;
    for (char c : s) value = value * 10 + (c - '0');
    return value <= 255;
}

bool is_ipv4_address(std::string_view s) noexcept {
    for (int i = 0; i < 3; ++i) {
        const auto dot = s.find('.');
        if (dot == std::string_view::npos || !is_dec_octet(s.substr(0, dot))) return false;
        s.remove_prefix(dot + 1);
    }
    return is_dec_octet(s);
}

bool is_h16(std::string_view s) noexcept {
    if (s.empty() || s.size() > 4) return false;
    for (char c : s)
        if (hex_value(c) < 0) return false;
    return true;
}

// Counts the 16-bit groups in a ':'-separated run ("" has none); -1 when malformed. Only
// the last group of the whole address may be an IPv4 address (worth two groups).
int count_ipv6_groups(std::string_view s, bool may_end_in_ipv4) noexcept {
    if (s.empty()) return 0;
    int groups = 0;
    while (true) {
        const auto colon = s.find(':');
        const std::string_view group = s.substr(0, colon);
        if (colon == std::string_view::npos) {
            if (is_h16(group)) return groups + 1;
            if (may_end_in_ipv4 && is_ipv4_address(group)) return groups + 2;
            return -1;
        }
        if (!is_h16(group)) return -1;
        ++groups;
        s.remove_prefix(colon + 1);
    }
}

}  // namespace

bool is_unreserved(char c) noexcept {
    return is_alpha(c) || is_digit(c) || c == '-' || c == '.' || c == '_' || c == '~';
}

bool is_sub_delim(char c) noexcept {
    switch (c) {
        case '!': case '$': case '&': case '\'': case '(': case ')':
        case '*': case '+': case ',': case ';': case '=':
            return true;
        default:
            return false;
    }
}

bool is_valid_scheme(std::string_view scheme) noexcept {
    if (scheme.empty() || !is_alpha(scheme[0])) return false;
    for (char c : scheme)
        if (!is_alpha(c) && !is_digit(c) && c != '+' && c != '-' && c != '.') return false;
    return true;
}

bool has_valid_percent_escapes(std::string_view s) noexcept {
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] != '%') continue;
        if (i + 2 >= s.size() || hex_value(s[i + 1]) < 0 || hex_value(s[i + 2]) < 0) return false;
        i += 2;
    }
    return true;
}

std::string percent_decode(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '%' && i + 2 < s.size()) {
            out.push_back(static_cast<char>(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2])));
            i += 2;
        } else {
            out.push_back(s[i]);
        }
    }
    return out;
}

std::string decode_percent_dots(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '%' && i + 2 < s.size() && s[i + 1] == '2' && (s[i + 2] == 'e' || s[i + 2] == 'E')) {
            out.push_back('.');
            i += 2;
        } else {
            out.push_back(s[i]);
        }
    }
    return out;
}

std::string remove_dot_segments(std::string_view absolute_path) {
    // Segment by segment, which for an absolute path is what §5.2.4's buffer loop computes.
    std::vector<std::string_view> kept;
    std::string_view rest = absolute_path.substr(absolute_path.empty() ? 0 : 1);
    while (true) {
        const auto slash = rest.find('/');
        const std::string_view segment = rest.substr(0, slash);
        const bool last = slash == std::string_view::npos;
        if (segment == "." || segment == "..") {
            if (segment == ".." && !kept.empty()) kept.pop_back();
            if (last) kept.emplace_back();  // "/a/." and "/a/b/.." end in a slash
        } else {
            kept.push_back(segment);
        }
        if (last) break;
        rest.remove_prefix(slash + 1);
    }
    std::string out;
    out.reserve(absolute_path.size() + 1);
    for (const auto segment : kept) {
        out.push_back('/');
        out.append(segment);
    }
    if (out.empty()) out = "/";
    return out;
}

bool is_ipv6_address(std::string_view s) noexcept {
    if (s.size() < 2 || s.size() > 45) return false;
    const auto gap = s.find("::");
    if (gap == std::string_view::npos) return count_ipv6_groups(s, true) == 8;
    if (s.find("::", gap + 1) != std::string_view::npos) return false;  // also ":::"
    const std::string_view left = s.substr(0, gap);
    const std::string_view right = s.substr(gap + 2);
    const int l = count_ipv6_groups(left, false);  // an IPv4 tail can only come last
    const int r = count_ipv6_groups(right, true);
    if (l < 0 || r < 0) return false;
    return l + r <= 7;
}

}  // namespace kapsel::gemini
