#pragma once
/// TOML front matter between "+++" lines at the top of a capsule document.
///
///     +++
///     title = "Satsningar på ett tryggt och säkert Umeå ger resultat"
///     slug = "tryggt-umea"                    # optional: defaults to the file name's stem
///     authors = [{ name = "Hans Lindberg (S)", role = "kommunalråd" }]
///     published = 2023-03-20                  # a date, or a date-time with offset
///     updated = 2023-03-21T09:00:00+01:00     # optional
///     published_in = "Västerbottens-Kuriren"  # optional
///     lang = "sv"                             # optional: capsule default
///     summary = "..."                         # optional: the lede
///     related = ["/anteckningar/los.gmi"]     # optional: absolute capsule paths
///     aliases = ["/gammalt/namn.gmi"]         # optional: where the page was before (31 here)
///     id = "tryggt-umea"                      # optional: the entry id's own part (default: slug)
///     +++
///
/// `related` paths must exist in the capsule (checked at load); converted plain-text pages list
/// them under "Läs mer". Gemtext documents are served as written, so they link by hand.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "syndication/date_time.hpp"

namespace kapsel::syndication {

struct Author {
    std::string name;
    std::string role;  // empty when not given

    friend bool operator==(const Author&, const Author&) = default;
};

/// A `related` path and the source line it was written on, so the loader can point at it.
struct RelatedPath {
    std::string path;
    int line = 0;

    friend bool operator==(const RelatedPath&, const RelatedPath&) = default;
};

struct FrontMatter {
    std::string title;
    std::string slug;
    int slug_line = 1;  // where the slug was set (the opening "+++" when defaulted)
    std::vector<Author> authors;
    DateTime published;
    std::optional<DateTime> updated;
    std::string published_in;
    std::optional<std::string> lang;
    std::optional<std::string> summary;
    std::vector<RelatedPath> related;
    std::vector<RelatedPath> aliases;  // old paths of this page, each answering 31 to it
    std::optional<std::string> id;     // pinned entry id (its tag: URI's last part)
    int id_line = 0;

    /// `updated` when given, else `published`: what feeds and the index sort by.
    const DateTime& effective_updated() const { return updated ? *updated : published; }
};

/// A document split into its parsed header and the body that follows it.
struct DocumentSource {
    FrontMatter meta;
    std::string_view body;  // everything after the closing "+++" line, as authored
    int body_line = 1;      // the source line the body starts on
};

/// True when the first line of `text` is exactly "+++" (a CRLF ending is accepted).
bool has_front_matter(std::string_view text);

/// Parses the front matter of `text` (which must start with it). `default_slug` is used when
/// the header has no slug. Throws DocumentError with the source line of the problem.
DocumentSource parse_document(std::string_view text, std::string_view default_slug);

/// Why `slug` cannot name a document (it must be [a-z0-9][a-z0-9_-]*), or nullopt.
std::optional<std::string> check_slug(std::string_view slug);

/// `s` as a TOML basic string on one line, for front matter kapsel writes: '"' and '\\' escaped,
/// control characters as \\uXXXX, every other byte as it is (so invalid UTF-8 stays invalid,
/// for the parser to refuse).
std::string toml_basic_string(std::string_view s);

}  // namespace kapsel::syndication
