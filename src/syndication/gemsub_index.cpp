#include "syndication/gemsub_index.hpp"

#include "syndication/plain_text.hpp"

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
    std::size_t pos = 0;
    while (pos < gemtext.size()) {
        const std::size_t nl = gemtext.find('\n', pos);
        const std::size_t end = nl == std::string_view::npos ? gemtext.size() : nl + 1;
        std::string_view line = gemtext.substr(pos, end - pos);
        std::string_view content = line;
        if (content.ends_with('\n')) content.remove_suffix(1);
        if (content.ends_with('\r')) content.remove_suffix(1);
        if (content == entries_marker) out += list;
        else out += line;
        pos = end;
    }
    return out;
}

}  // namespace kapsel::syndication
