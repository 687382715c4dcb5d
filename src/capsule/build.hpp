#pragma once
/// The pure half of loading a capsule: from the files' bytes (a SourceTree) and the few
/// settings that shape pages and feeds, to every prebuilt response. No file system, no
/// clock: the same tree and settings always give the same bytes.

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "capsule/capsule.hpp"
#include "capsule/mime_types.hpp"
#include "capsule/source_tree.hpp"
#include "config/config.hpp"
#include "syndication/entry.hpp"
#include "syndication/front_matter.hpp"
#include "syndication/plain_text.hpp"

namespace kapsel::capsule {

/// What the build needs to know beyond the files.
struct BuildSettings {
    std::string lang = "sv";                   // capsule.lang: documents without their own
    config::FeedSettings feed;                 // [feed], with parse_config's defaults filled in
    std::vector<std::string> hostnames;        // one /atom.xml each; the first is canonical
    std::optional<std::uint16_t> public_port;  // in the feeds' URLs
    std::string settings_file;                 // server.toml, named in messages about settings
    std::vector<config::RedirectRule> redirects;
    std::vector<config::GoneRule> gone;
    std::optional<config::WebSettings> web;    // the mirror is built when set
    /// The same host's capsule before this reload, or null. What did not change since is
    /// taken from it instead of being made again (a document file with the same bytes is not
    /// parsed again; a mirror page with the same gemtext, language and title is not rendered
    /// again); the result is byte for byte what a build without it gives.
    std::shared_ptr<const Capsule> previous;
    /// The tree being built (the same as build_capsule's), kept in the result so that the next
    /// load can compare against it (Capsule::source); the loader sets it, tests may leave it.
    std::shared_ptr<const SourceTree> source;
    /// Paths whose documents uploads deleted (titan.state_file): each answers 52, unless
    /// something serves it again (a file put back by hand, a new upload) or a rule redirects it.
    std::vector<std::string> deleted;
};

/// The settings of `host` (of `config`) that the build takes.
BuildSettings build_settings(const config::HostSettings& host, const config::Config& config);

/// A document file as the build reads it, before the rest of the tree is known.
struct DocumentFile {
    syndication::FrontMatter meta;
    std::string body;           // after the front matter, as authored
    int body_line = 1;          // the line of the file the body starts on
    syndication::PlainText text;  // plain-text documents only
};

/// What one document file was made into, kept in its capsule for the next build. That build
/// takes each part again instead of making it when it would be made from the same inputs: the
/// same parse (the same bytes under the same name), language and links for the page, the same
/// feed settings for the Atom entry. So the result is byte for byte what making it gives.
struct DocumentProducts {
    std::shared_ptr<const SourceFile> file;  // the file as read
    std::shared_ptr<const DocumentFile> parsed;
    std::string lang;                // the language it was made in (front matter, else capsule.lang)
    bool lists_entries = false;      // a gemtext document with a {{ entries }} line: its page follows the list
    /// The related links of a converted page: path and label (the page's title), in order.
    std::vector<std::pair<std::string, std::string>> links;
    std::shared_ptr<const Response> page;  // the gemtext page
    std::shared_ptr<const Response> text;  // a plain document's text/plain original, else null
    std::shared_ptr<const syndication::Entry> feed_entry;  // feed entries only, else null
    syndication::EntryOrder order;  // feed entries: feed_entry's place in the feed's order (viewing its path)
    std::string month;              // feed entries: its archive month (syndication::archive_month)
    std::string list_line;  // its line in the gemsub list (syndication::gemsub_line)
    /// Its Atom <entry> as written for each feed that carries it, by what of the feed the XML
    /// depends on (see syndication::write_entry: authority, language, base and mirror URLs).
    std::vector<std::pair<std::shared_ptr<const std::string>, std::shared_ptr<const std::string>>> entries;
};

/// A feed document (the subscription document or an archive month) as a build wrote it, kept
/// in the capsule for the next build, which takes it again when the same head and the very same
/// written entries, in the same order, make it.
struct FeedDocumentProducts {
    std::string head;  // syndication::write_document_head
    std::vector<std::shared_ptr<const std::string>> entries;
    std::shared_ptr<const Response> response;  // a host's feed: the Gemini response
    std::shared_ptr<const std::string> file;   // the web mirror's: the file
};

/// A feed entry in the feed's order, as a build leaves it for the next.
struct PlannedEntry {
    syndication::EntryOrder order;     // products->order
    std::string_view month;            // products->month
    std::uint64_t month_key;           // its bytes, to compare in one step ("YYYY-MM": 7)
    const DocumentProducts* products;  // held by the capsule's documents
};

/// What a build (without [web]) knew of the whole tree, kept in its capsule so that the next
/// build, when only documents changed and nothing about them reaches other pages but the lists
/// and feeds, can patch that capsule instead of building everything: the settings and MIME
/// types it was built with, the entries in order, the gemsub list, and what a change must not
/// touch for a patch to give what a whole build gives (see build.cpp).
struct BuildState {
    BuildSettings inputs;  // as given, without previous and source
    std::shared_ptr<const MimeTable> mime;
    std::vector<PlannedEntry> newest_first;
    std::string list;                     // the gemsub list
    std::vector<std::size_t> line_start;  // where entry k's line of the list starts; one more at the end
    std::map<std::string, std::size_t, std::greater<>> months;  // archive months, newest first: their entries
    struct ListingPage {
        std::string path;
        std::string directory;  // "/dir/" when it is that directory's index.gmi
        std::shared_ptr<const SourceFile> file;
    };
    std::vector<ListingPage> listing_pages;     // gemtext files without front matter holding the list
    std::vector<std::string> listing_documents;  // documents holding it, by display
    std::unordered_set<std::string> related;    // every path a document's related links name
    std::unordered_set<std::string> warned;     // every file a warning names, by display
    ShardedMap<bool> ids;                       // every feed entry's id
};

/// One document file's own checks, exactly as the build makes them: valid UTF-8, XML 1.0
/// characters, the front matter, a plain text's title line. `stem` is the file name without its
/// extension (the default slug). Throws syndication::DocumentError at the line of the first
/// problem; what depends on the rest of the tree (duplicate slugs and ids, related paths,
/// aliases) the build checks.
DocumentFile parse_document_file(std::string_view bytes, std::string_view stem, bool plain);

/// Static files served as they are (MIME type from `mime`), documents with front matter
/// converted to gemtext (and their plain text beside them), the generated entry list and one
/// Atom feed per hostname at /atom.xml. Throws SourceError naming the file and line for any
/// broken document; nothing is returned half-built.
std::shared_ptr<const Capsule> build_capsule(const SourceTree& tree, const MimeTable& mime,
                                             const BuildSettings& settings);

}  // namespace kapsel::capsule
