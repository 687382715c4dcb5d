#include "syndication/gemtext.hpp"

#include "gemini/uri.hpp"
#include "text/lines.hpp"

namespace kapsel::syndication {

bool looks_like_markup(std::string_view line) {
    return line.starts_with("=>") || line.starts_with('#') || line.starts_with('*') || line.starts_with('>') ||
           line.starts_with("```");
}

std::string as_text_line(std::string_view line) {
    if (looks_like_markup(line)) return " " + std::string(line);
    return std::string(line);
}

std::string link_line(std::string_view path, std::string_view label) {
    std::string out = "=> " + gemini::encode_path(path);
    if (!label.empty()) {
        out += ' ';
        out += label;
    }
    return out;
}

std::optional<std::string> first_text_line(std::string_view gemtext) {
    bool preformatted = false;
    for (const text::Line& l : text::Lines(gemtext)) {
        const std::string_view line = l.content;
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
