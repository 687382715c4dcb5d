#pragma once
/// ASCII rules that do not depend on the C locale: character classes, case, hexadecimal.
/// Protocol text (schemes, hosts, extensions, language tags) is compared with these, never
/// with <cctype>, whose answers change with setlocale.

#include <string>
#include <string_view>

namespace kapsel::text {

constexpr bool is_alpha(char c) noexcept { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
constexpr bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }
constexpr bool is_alnum(char c) noexcept { return is_alpha(c) || is_digit(c); }
constexpr char to_lower(char c) noexcept { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

/// `s` with A–Z made a–z; every other byte (UTF-8 included) as it is.
std::string to_lower(std::string_view s);
void lower_in_place(std::string& s) noexcept;
bool equals_ignoring_case(std::string_view a, std::string_view b) noexcept;

/// 0–15 for a hexadecimal digit (either case), -1 otherwise.
constexpr int hex_value(char c) noexcept {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

enum class HexCase { upper, lower };

/// Appends the two hexadecimal digits of `byte` ("2F" or "2f").
void append_hex(std::string& out, unsigned char byte, HexCase letters = HexCase::upper);

}  // namespace kapsel::text
