#include "syndication/gemtext.hpp"

namespace kapsel::syndication {

bool looks_like_markup(std::string_view line) {
    return line.starts_with("=>") || line.starts_with('#') || line.starts_with('*') || line.starts_with('>') ||
           line.starts_with("```");
}

std::string as_text_line(std::string_view line) {
    if (looks_like_markup(line)) return " " + std::string(line);
    return std::string(line);
}

std::optional<std::string> first_text_line(std::string_view gemtext) {
    bool preformatted = false;
    std::size_t pos = 0;
    while (pos < gemtext.size()) {
        const std::size_t nl = gemtext.find('\n', pos);
        std::string_view line = gemtext.substr(pos, nl == std::string_view::npos ? gemtext.npos : nl - pos);
        pos = nl == std::string_view::npos ? gemtext.size() : nl + 1;
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (line.starts_with("```")) {
            preformatted = !preformatted;
            continue;
        }
        if (preformatted || looks_like_markup(line)) continue;
        const std::size_t first = line.find_first_not_of(" \t");
        if (first == std::string_view::npos) continue;
        const std::size_t last = line.find_last_not_of(" \t");
        return std::string(line.substr(first, last - first + 1));
    }
    return std::nullopt;
}

}  // namespace kapsel::syndication
