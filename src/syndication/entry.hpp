#pragma once
/// One syndicated document, as the gemsub index and the Atom feed see it, and their order.

#include <string>
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

/// Newest `updated` first (compared in UTC); ties by newest `published`, then by path, so the
/// order never depends on the order files were read in.
bool newer_first(const Entry& a, const Entry& b);
void sort_newest_first(std::vector<Entry>& entries);

}  // namespace kapsel::syndication
