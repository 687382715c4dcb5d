#include "text/lines.hpp"

#include <algorithm>

namespace kapsel::text {

int line_number_at(std::string_view text, std::size_t offset) {
    offset = std::min(offset, text.size());
    return 1 + static_cast<int>(std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(offset), '\n'));
}

}  // namespace kapsel::text
