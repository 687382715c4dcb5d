#pragma once
/// UTF-8 validation and decoding, and byte offsets turned into line numbers for messages.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace kapsel::syndication {

/// One decoded code point and how many bytes it took; bytes == 0 when the sequence is invalid
/// (truncated, overlong, a surrogate or above U+10FFFF).
struct CodePoint {
    std::uint32_t value = 0;
    std::size_t bytes = 0;
};
CodePoint decode_utf8(std::string_view text, std::size_t offset);

/// Byte offset of the first byte that does not start a valid UTF-8 sequence, if any.
std::optional<std::size_t> find_invalid_utf8(std::string_view text);

/// The 1-based line that byte `offset` of `text` is on.
int line_number_at(std::string_view text, std::size_t offset);

}  // namespace kapsel::syndication
