#include "syndication/entry.hpp"

#include <algorithm>

namespace kapsel::syndication {

bool newer_first(const Entry& a, const Entry& b) {
    const auto au = utc_sort_key(a.updated), bu = utc_sort_key(b.updated);
    if (au != bu) return au > bu;
    const auto ap = utc_sort_key(a.published), bp = utc_sort_key(b.published);
    if (ap != bp) return ap > bp;
    return a.path < b.path;
}

void sort_newest_first(std::vector<Entry>& entries) {
    std::stable_sort(entries.begin(), entries.end(), newer_first);
}

}  // namespace kapsel::syndication
