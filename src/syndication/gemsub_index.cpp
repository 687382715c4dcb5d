#include "syndication/gemsub_index.hpp"

#include "syndication/gemtext.hpp"
#include "text/lines.hpp"

namespace kapsel::syndication {

std::string gemsub_line(const Entry& entry) {
    return link_line(entry.path, to_iso_date(entry.updated) + " - " + entry.title) + "\n";
}

std::string expand_entries_marker(std::string_view gemtext, std::string_view list) {
    std::string out;
    append_expanded(out, gemtext, list);
    return out;
}

void append_expanded(std::string& out, std::string_view gemtext, std::string_view list) {
    out.reserve(out.size() + gemtext.size() + list.size());
    for (const text::Line& line : text::Lines(gemtext)) {
        if (line.content == entries_marker) out += list;
        else out += line.with_ending;
    }
}

namespace {

// "{{", any spaces or tabs, "entries", any spaces or tabs, "}}" anywhere in the line.
bool holds_marker_pattern(std::string_view line) {
    for (std::size_t at = line.find("{{"); at != std::string_view::npos; at = line.find("{{", at + 1)) {
        std::size_t i = at + 2;
        while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
        if (line.substr(i, 7) != "entries") continue;
        i += 7;
        while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
        if (line.substr(i, 2) == "}}") return true;
    }
    return false;
}

}  // namespace

std::vector<int> stray_entries_markers(std::string_view gemtext) {
    std::vector<int> out;
    bool preformatted = false;
    for (const text::Line& line : text::Lines(gemtext)) {
        if (line.content.starts_with("```")) {
            preformatted = !preformatted;
            continue;
        }
        if (!preformatted && line.content != entries_marker && holds_marker_pattern(line.content))
            out.push_back(line.number);
    }
    return out;
}

}  // namespace kapsel::syndication
