#pragma once
/// UTF-8 validation (RFC 3629): no overlong forms, no surrogates, nothing above U+10FFFF.

#include <cstddef>
#include <string_view>

namespace kapsel::gemini {

/// Length (1–4) of the valid UTF-8 sequence starting at s[i], or 0 when none starts there.
/// Precondition: i < s.size().
std::size_t utf8_sequence_length(std::string_view s, std::size_t i) noexcept;

/// True when `s` is entirely well-formed UTF-8.
bool is_valid_utf8(std::string_view s) noexcept;

/// True when `s` (assumed valid UTF-8) contains a C0 control (U+0000–U+001F), DEL (U+007F)
/// or a C1 control (U+0080–U+009F, encoded C2 80–C2 9F).
bool has_control_character(std::string_view s) noexcept;

}  // namespace kapsel::gemini
