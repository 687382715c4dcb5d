#pragma once
/// RFC 4287 Atom feed documents of the capsule's entries, as bytes: the subscription document
/// (/atom.xml: the newest entries) and, when there are more, RFC 5005 archive documents
/// (/atom/YYYY-MM.xml: every entry, once, by the month it was published), for the capsule's
/// gemini:// URLs or for its web mirror's https:// ones.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "syndication/entry.hpp"

namespace kapsel::syndication {

/// Everything a feed document says about itself.
struct FeedInfo {
    std::string authority;  // tag: authority and date, "kapsel.example,2023"
    std::string title;
    std::string subtitle;   // omitted when empty
    std::string author;     // the feed's author, for entries that name none
    std::string lang;       // xml:lang of the feed ("" omits it)
    std::string base_url;   // the capsule: "gemini://host/" or "gemini://host:port/"
    /// The web mirror ("https://kapsel.example/"; "" when there is none): entries and the feed
    /// gain an alternate text/html link to its pages.
    std::string mirror_url;
    /// This document is the mirror's copy: its self, current and archive links are mirror URLs.
    bool in_mirror = false;
    std::string self_path = "/atom.xml";  // this document's path
    std::string index_path = "/";
    std::size_t max_entries = 50;
    // RFC 5005 links, as paths ("/atom/2023-02.xml"); empty: none.
    std::string prev_archive;
    std::string next_archive;
    bool is_archive = false;  // <fh:archive/> and a `current` link to /atom.xml
};

/// "tag:AUTHORITY:SPECIFIC" (RFC 4151). Ids built from the authority and a slug (or a pinned
/// id) stay the same when the capsule moves to another host name, port or path.
std::string tag_uri(std::string_view authority, std::string_view specific);

/// The subscription document: newest entries first (newer_first), at most `max_entries`; the
/// feed's `updated` is the newest entry's (1970-01-01T00:00:00Z when there are none, so output
/// never depends on a clock). Throws std::invalid_argument if any text holds a character XML
/// 1.0 cannot carry; the loader rejects such documents first, with their file and line.
std::string write_atom(const FeedInfo& feed, std::vector<Entry> entries);

/// One archive document: all of `entries` (one month's), newest first, with is_archive set.
std::string write_archive(const FeedInfo& feed, std::vector<Entry> entries);

/// The pieces write_atom and write_archive are made of, for a caller that writes many
/// documents of one feed (the subscription, every archive, the mirror's copies) and so writes
/// each entry once:
/// - write_entry: one <entry> element, indented and ending in a newline, exactly as every
///   document of `feed` holds it (it depends on the authority, lang, base_url and mirror_url,
///   not on which document it is in). Throws std::invalid_argument as write_atom does.
/// - write_document_head: the document's start, `feed`'s header; `updated` is the newest
///   entry's updated (nullptr when there are none). With is_archive set, an archive's.
/// - append_document: appends to `out` that head, `entries` (pointers to elements from
///   write_entry with the same feed, newest first) and document_end, in one buffer (a caller
///   may have put a Gemini header in front).
std::string write_entry(const FeedInfo& feed, const Entry& entry);
std::string write_document_head(const FeedInfo& feed, const DateTime* updated);
inline constexpr std::string_view document_end = "</feed>\n";
template <class EntryPointers>
void append_document(std::string& out, std::string_view head, const EntryPointers& entries) {
    std::size_t size = out.size() + head.size() + document_end.size();
    for (const auto& e : entries) size += e->size();
    out.reserve(size);
    out += head;
    for (const auto& e : entries) out += *e;
    out += document_end;
}

/// "YYYY-MM" of `entry`'s publication in UTC: the archive month it belongs to.
std::string archive_month(const Entry& entry);

/// One month of entries, "YYYY-MM" of their publication in UTC.
struct ArchiveMonth {
    std::string month;
    std::vector<Entry> entries;  // newest first
};

/// Every entry in exactly one month, newest month first. A month's membership depends only on
/// its entries' own publication dates, so an archive a reader fetched keeps its meaning as
/// the capsule grows: a new article changes the subscription document and its own month.
std::vector<ArchiveMonth> archive_months(std::vector<Entry> entries);

/// "/atom/2023-03.xml" for "2023-03".
std::string archive_path(std::string_view month);

}  // namespace kapsel::syndication
