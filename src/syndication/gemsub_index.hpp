#pragma once
/// The dated link list of the companion spec "Subscribing to Gemini pages".

#include <string>
#include <string_view>
#include <vector>

#include "syndication/entry.hpp"

namespace kapsel::syndication {

/// The line a gemtext document writes where the generated list goes.
inline constexpr std::string_view entries_marker = "{{ entries }}";

/// One entry's line of the list, with its newline: "=> /path YYYY-MM-DD - Title", the date
/// the entry's `updated` day as authored. The list is these lines, newest first (newer_first).
std::string gemsub_line(const Entry& entry);

/// `gemtext` with every line that is exactly `{{ entries }}` replaced by `list`
/// (which ends in a newline, or is empty).
std::string expand_entries_marker(std::string_view gemtext, std::string_view list);
/// The same, appended to `out` (a caller that puts a header in front writes one buffer).
void append_expanded(std::string& out, std::string_view gemtext, std::string_view list);

/// The lines (1-based) that look like the marker but are not exactly it, so they are served as
/// written: "{{entries}}", " {{ entries }}", "text {{ entries }}". Lines inside a preformatted
/// block are left out: that is where a page shows the marker on purpose.
std::vector<int> stray_entries_markers(std::string_view gemtext);

}  // namespace kapsel::syndication
