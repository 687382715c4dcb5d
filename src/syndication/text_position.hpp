#pragma once
/// Byte offsets in a document's source turned into line numbers, for messages.

#include <cstddef>
#include <string_view>

namespace kapsel::syndication {

/// The 1-based line that byte `offset` of `text` is on (offsets past the end: the last line).
int line_number_at(std::string_view text, std::size_t offset);

}  // namespace kapsel::syndication
