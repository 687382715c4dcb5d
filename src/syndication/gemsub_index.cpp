#include "syndication/gemsub_index.hpp"

#include "syndication/gemtext.hpp"
#include "text/lines.hpp"

namespace kapsel::syndication {

std::string render_gemsub_list(std::vector<Entry> entries) {
    sort_newest_first(entries);
    std::string out;
    for (const Entry& e : entries) out += link_line(e.path, to_iso_date(e.updated) + " - " + e.title) + "\n";
    return out;
}

std::string expand_entries_marker(std::string_view gemtext, std::string_view list) {
    std::string out;
    out.reserve(gemtext.size() + list.size());
    for (const text::Line& line : text::Lines(gemtext)) {
        if (line.content == entries_marker) out += list;
        else out += line.with_ending;
    }
    return out;
}

}  // namespace kapsel::syndication
