#pragma once
/// One syndicated document, as the gemsub index and the Atom feed see it, and their order.

#include <string>
#include <string_view>
#include <vector>

#include "syndication/date_time.hpp"
#include "syndication/front_matter.hpp"

namespace kapsel::syndication {

struct Entry {
    std::string path;  // the gemtext page, "/artiklar/tryggt-umea.gmi"
    std::string slug;  // unique in the capsule
    std::string id;    // the stable part of the entry id: front matter `id`, else the slug
    std::string title;
    std::vector<Author> authors;
    DateTime published;
    DateTime updated;     // = published when the document has no `updated`
    std::string summary;
    std::string content;  // the full text, as plain text (or gemtext for gemtext notes)
    std::string lang;
};

/// An entry's place in the feed's order, its instants reckoned once (for sorting many). Ascending
/// order is newest first: newest `updated` (compared in UTC), ties by newest `published`, then by
/// path, so the order never depends on the order files were read in. `path` views the entry's.
struct EntryOrder {
    UtcKey updated, published;
    std::string_view path;
    friend bool operator<(const EntryOrder& a, const EntryOrder& b) {
        if (a.updated != b.updated) return a.updated > b.updated;
        if (a.published != b.published) return a.published > b.published;
        return a.path < b.path;
    }
};
EntryOrder entry_order(const Entry& entry);

/// That order: whether `a` comes before `b`.
bool newer_first(const Entry& a, const Entry& b);
void sort_newest_first(std::vector<Entry>& entries);

}  // namespace kapsel::syndication
