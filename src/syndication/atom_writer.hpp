#pragma once
/// RFC 4287 Atom feed of the capsule's entries, as bytes, for one public base URL.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "syndication/entry.hpp"

namespace kapsel::syndication {

/// Everything the feed says about itself.
struct FeedInfo {
    std::string authority;  // tag: authority and date, "kapsel.example,2023"
    std::string title;
    std::string subtitle;   // omitted when empty
    std::string author;     // the feed's author, for entries that name none
    std::string lang;       // xml:lang of the feed ("" omits it)
    std::string base_url;   // "gemini://host/" or "gemini://host:port/"
    std::string self_path = "/atom.xml";
    std::string index_path = "/";
    std::size_t max_entries = 50;
};

/// "tag:AUTHORITY:SPECIFIC" (RFC 4151). Ids built from the authority and a slug stay the same
/// when the capsule moves to another host name or port.
std::string tag_uri(std::string_view authority, std::string_view specific);

/// The feed document: newest entries first (newer_first), at most `max_entries`; the feed's
/// `updated` is the newest entry's (1970-01-01T00:00:00Z when there are none, so output never
/// depends on a clock). Throws std::invalid_argument if any text holds a character XML 1.0
/// cannot carry; the loader rejects such documents first, with their file and line.
std::string write_atom(const FeedInfo& feed, std::vector<Entry> entries);

}  // namespace kapsel::syndication
