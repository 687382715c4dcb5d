#include "capsule/deleted_paths.hpp"

#include <algorithm>

#include "gemini/uri.hpp"
#include "gemini/utf8.hpp"
#include "syndication/document_error.hpp"
#include "text/lines.hpp"

namespace kapsel::capsule {
namespace {

void sort_unique(std::vector<std::string>& paths) {
    std::sort(paths.begin(), paths.end());
    paths.erase(std::unique(paths.begin(), paths.end()), paths.end());
}

}  // namespace

std::vector<std::string> parse_deleted_paths(std::string_view text) {
    std::vector<std::string> paths;
    for (const text::Line& line : text::Lines(text)) {
        const std::string_view path = line.content;
        if (path.empty() || path.front() == '#') continue;
        // Written as request paths are normalised, so a lookup finds them: absolute, no dot
        // segments, no dot-file, no empty segment, nothing a request path cannot hold.
        const auto normal = path.front() == '/' ? gemini::remove_dot_segments(path) : std::nullopt;
        bool fine = normal && *normal == path && path.size() > 1 && path.back() != '/' &&
                    path.find("//") == std::string_view::npos && path.find("/.") == std::string_view::npos &&
                    gemini::is_valid_utf8(path) && !gemini::has_control_character(path) &&
                    path.find_first_of(std::string_view(" \\\0", 3)) == std::string_view::npos;
        if (!fine)
            throw syndication::DocumentError(line.number, "not a capsule path such as /artiklar/x.gmi: \"" +
                                                              std::string(path.substr(0, 80)) + "\"");
        paths.emplace_back(path);
    }
    sort_unique(paths);
    return paths;
}

std::string format_deleted_paths(std::vector<std::string> paths) {
    sort_unique(paths);
    std::string out =
        "# kapsel: documents deleted by Titan uploads (size=0). Each path answers 52 (gone) while\n"
        "# nothing else serves it. Written by kapsel; a path removed from here answers 51 again.\n";
    for (const std::string& p : paths) out += p + "\n";
    return out;
}

}  // namespace kapsel::capsule
