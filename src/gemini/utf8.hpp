#pragma once
/// UTF-8 decoding and validation (RFC 3629): no overlong forms, no surrogates, nothing above
/// U+10FFFF. The one implementation every module uses.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace kapsel::gemini {

/// One decoded code point and how many bytes (1–4) it took; bytes == 0 when no valid sequence
/// starts there (truncated, overlong, a surrogate, above U+10FFFF, or a stray byte).
struct CodePoint {
    std::uint32_t value = 0;
    std::size_t bytes = 0;
};

/// Decodes the sequence starting at s[i]. Precondition: i < s.size().
CodePoint decode_utf8(std::string_view s, std::size_t i) noexcept;

/// Length (1–4) of the valid UTF-8 sequence starting at s[i], or 0 when none starts there.
/// Precondition: i < s.size().
std::size_t utf8_sequence_length(std::string_view s, std::size_t i) noexcept;

/// Byte offset of the first byte that does not start a valid UTF-8 sequence, if any.
std::optional<std::size_t> find_invalid_utf8(std::string_view s) noexcept;

/// True when `s` is entirely well-formed UTF-8.
bool is_valid_utf8(std::string_view s) noexcept;

/// True for Unicode's format characters (general category Cf, Unicode 15): the bidirectional
/// controls (U+202A–U+202E, U+2066–U+2069, U+061C, U+200E/F), zero-width ones (U+200B–U+200D,
/// U+2060, U+FEFF), the soft hyphen, tags and the like. Invisible, and able to reorder or
/// hide what a terminal shows.
bool is_format_character(std::uint32_t cp) noexcept;

/// True when `s` (assumed valid UTF-8) contains a C0 control (U+0000–U+001F), DEL (U+007F)
/// or a C1 control (U+0080–U+009F, encoded C2 80–C2 9F).
bool has_control_character(std::string_view s) noexcept;

}  // namespace kapsel::gemini
