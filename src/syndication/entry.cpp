#include "syndication/entry.hpp"

#include <algorithm>

namespace kapsel::syndication {

EntryOrder entry_order(const Entry& entry) {
    return {utc_sort_key(entry.updated), utc_sort_key(entry.published), entry.path};
}

bool newer_first(const Entry& a, const Entry& b) { return entry_order(a) < entry_order(b); }

void sort_newest_first(std::vector<Entry>& entries) {
    std::stable_sort(entries.begin(), entries.end(), newer_first);
}

}  // namespace kapsel::syndication
