#include "gemini/uri.hpp"

#include <vector>

#include "text/ascii.hpp"

namespace kapsel::gemini {
namespace {

using text::hex_value;
using text::is_alpha;
using text::is_digit;

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

namespace {

// Decodes the %XX escapes of `s` whose byte `wanted` accepts; the others stay as written.
template <typename Wanted>
std::string decode_escapes(std::string_view s, Wanted wanted) {
    std::string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size(); ++i) {
        const int hi = s[i] == '%' && i + 2 < s.size() ? hex_value(s[i + 1]) : -1;
        const int lo = hi >= 0 ? hex_value(s[i + 2]) : -1;
        if (lo >= 0 && wanted(static_cast<char>(hi * 16 + lo))) {
            out.push_back(static_cast<char>(hi * 16 + lo));
            i += 2;
        } else {
            out.push_back(s[i]);
        }
    }
    return out;
}

}  // namespace

std::string percent_decode(std::string_view s) {
    return decode_escapes(s, [](char) { return true; });
}

std::string decode_percent_dots(std::string_view s) {
    return decode_escapes(s, [](char c) { return c == '.'; });
}

std::optional<std::string> remove_dot_segments(std::string_view absolute_path) {
    // Segment by segment, which for an absolute path is what §5.2.4's buffer loop computes.
    std::vector<std::string_view> kept;
    std::string_view rest = absolute_path.substr(absolute_path.empty() ? 0 : 1);
    while (true) {
        const auto slash = rest.find('/');
        const std::string_view segment = rest.substr(0, slash);
        const bool last = slash == std::string_view::npos;
        if (segment == "." || segment == "..") {
            if (segment == "..") {
                if (kept.empty()) return std::nullopt;  // above the root
                kept.pop_back();
            }
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

std::string encode_path(std::string_view decoded_path) {
    std::string out;
    out.reserve(decoded_path.size());
    for (const char c : decoded_path) {
        if (is_unreserved(c) || is_sub_delim(c) || c == '/' || c == ':' || c == '@') {
            out.push_back(c);
        } else {
            out.push_back('%');
            text::append_hex(out, static_cast<unsigned char>(c));
        }
    }
    return out;
}

std::string encode_component(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (const char c : s) {
        if (is_unreserved(c)) {
            out.push_back(c);
        } else {
            out.push_back('%');
            text::append_hex(out, static_cast<unsigned char>(c));
        }
    }
    return out;
}

std::string mirror_page_path(std::string_view path) {
    std::string out(path);
    const std::string_view name = path.substr(path.rfind('/') + 1);  // npos + 1 == 0: all of it
    if (name.size() >= 4 && text::equals_ignoring_case(name.substr(name.size() - 4), ".gmi")) {
        out.resize(out.size() - 4);
        out += ".html";
    }
    return out;
}

std::string base_url(std::string_view host, std::optional<std::uint16_t> public_port) {
    std::string out = "gemini://";
    if (host.find(':') != std::string_view::npos && !host.starts_with('[')) {
        out += '[';
        out += host;
        out += ']';
    } else {
        out += host;
    }
    if (public_port && *public_port != 1965) out += ":" + std::to_string(*public_port);
    out += '/';
    return out;
}

std::string absolute_url(std::string_view base, std::string_view path) {
    std::string out(base);
    if (!out.empty() && out.back() == '/' && path.starts_with('/')) out.pop_back();
    out += encode_path(path);
    return out;
}

}  // namespace kapsel::gemini
