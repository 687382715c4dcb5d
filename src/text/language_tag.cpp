#include "text/language_tag.hpp"

#include "text/ascii.hpp"

namespace kapsel::text {

bool is_language_tag(std::string_view tag) noexcept {
    std::size_t start = 0;
    bool first = true;
    while (true) {
        const std::size_t dash = tag.find('-', start);
        const std::string_view sub = tag.substr(start, dash == std::string_view::npos ? tag.npos : dash - start);
        if (sub.empty() || sub.size() > 8 || (first && sub.size() < 2)) return false;
        for (const char c : sub)
            if (!(is_alpha(c) || (!first && is_digit(c)))) return false;
        if (dash == std::string_view::npos) return true;
        first = false;
        start = dash + 1;
    }
}

std::string_view primary_language(std::string_view tag) noexcept { return tag.substr(0, tag.find('-')); }

}  // namespace kapsel::text
