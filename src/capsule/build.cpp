// build_capsule: every prebuilt response from the files' bytes (see build.hpp).
//
// In order: each file is a static file, a document (front matter) or a page that lists the
// entries; then the entries, the pages, the paths that are no page (aliases, [[redirect]],
// [[gone]]), the feeds (and their RFC 5005 archives), and, with [web], the mirror.

#include "capsule/build.hpp"

#include <algorithm>
#include <cstring>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>

#include "gemini/request.hpp"
#include "gemini/status.hpp"
#include "gemini/uri.hpp"
#include "gemini/utf8.hpp"
#include "syndication/atom_writer.hpp"
#include "syndication/document_error.hpp"
#include "syndication/entry.hpp"
#include "syndication/front_matter.hpp"
#include "syndication/gemsub_index.hpp"
#include "syndication/gemtext.hpp"
#include "syndication/plain_text.hpp"
#include "syndication/wording.hpp"
#include "syndication/xml_text.hpp"
#include "text/lines.hpp"
#include "web/html.hpp"
#include "web/links.hpp"

namespace kapsel::capsule {
namespace {

namespace syn = kapsel::syndication;

Response make_response(std::string_view mime, std::string_view body) {
    Response r;
    r.bytes = gemini::response_header(gemini::Status::success, mime);
    r.header_size = r.bytes.size();
    r.bytes.append(body);
    return r;
}

// A page that holds the list: `gemtext` with its {{ entries }} lines replaced by `list`.
Response listing_response(std::string_view mime, std::string_view gemtext, std::string_view list) {
    Response r;
    r.bytes = gemini::response_header(gemini::Status::success, mime);
    r.header_size = r.bytes.size();
    syn::append_expanded(r.bytes, gemtext, list);
    return r;
}

// A line that looks like the {{ entries }} marker but is not exactly it is served as written:
// the author hears of it, with the file and line.
bool warn_about_stray_markers(Capsule& capsule, const std::string& display, std::string_view gemtext,
                              int first_line) {
    const std::vector<int> lines = syn::stray_entries_markers(gemtext);
    for (const int n : lines)
        capsule.add_warning(display + ":" + std::to_string(first_line + n - 1) + ": \"" +
                            std::string(syn::entries_marker) +
                            "\" becomes the list of entries only on a line of its own, exactly so; this line "
                            "is served as written");
    return !lines.empty();
}

bool has_entries_marker(std::string_view gemtext) {
    for (const text::Line& line : text::Lines(gemtext))
        if (line.content == syn::entries_marker) return true;
    return false;
}

// "/dir/" for rel_dir "dir", "/" for the root.
std::string directory_key(const std::string& rel_dir) { return rel_dir.empty() ? "/" : "/" + rel_dir + "/"; }

// A capsule page's file in the mirror: "/" → "index.html", "/dir/" → "dir/index.html",
// "/a/b.gmi" → "a/b.html"; any other file keeps its path.
std::string mirror_file(std::string_view path) {
    std::string p = gemini::mirror_page_path(path.substr(1));
    if (p.empty() || p.ends_with('/')) return p + "index.html";
    return p;
}

// Whether documents in `rel_dir` are feed entries (feed.paths).
bool syndicated(const BuildSettings& settings, const std::string& rel_dir) {
    const auto& paths = settings.feed.paths;  // normalised by parse_config: no slash at either end
    return std::any_of(paths.begin(), paths.end(), [&](const std::string& p) {
        return rel_dir.starts_with(p) && (rel_dir.size() == p.size() || rel_dir[p.size()] == '/');
    });
}

// A document's pages: "/dir/slug.gmi", and for a plain one "/dir/slug.txt" ("" otherwise).
std::string gmi_path_of(const SourceFile& file, const syn::FrontMatter& meta) {
    return directory_key(file.rel_dir) + meta.slug + ".gmi";
}
std::string txt_path_of(const SourceFile& file, const syn::FrontMatter& meta, bool plain) {
    return plain ? directory_key(file.rel_dir) + meta.slug + ".txt" : std::string();
}

// The feed entry a document at `gmi_path` makes, kept in `made` with its line of the list, its
// place in the feed's order and its archive month.
void make_entry(DocumentProducts& made, const std::string& gmi_path, const DocumentFile& parsed, bool plain) {
    const syn::FrontMatter& meta = parsed.meta;
    syn::Entry e;
    e.path = gmi_path;
    e.slug = meta.slug;
    e.id = meta.id.value_or(meta.slug);
    e.title = meta.title;
    e.authors = meta.authors;
    e.published = meta.published;
    e.updated = meta.effective_updated();
    e.lang = made.lang;
    e.content = parsed.body;
    if (meta.summary) e.summary = *meta.summary;
    else if (plain) e.summary = syn::lede(parsed.text);
    else e.summary = syn::first_text_line(parsed.body).value_or(meta.title);
    made.list_line = syn::gemsub_line(e);
    made.month = syn::archive_month(e);
    made.feed_entry = std::make_shared<const syn::Entry>(std::move(e));
    made.order = syn::entry_order(*made.feed_entry);
}

// A plain document's gemtext page, with its related links (path, label) and its original.
std::string converted_page(const DocumentFile& parsed, const std::vector<std::pair<std::string, std::string>>& related,
                           const std::string& txt_path, const std::string& lang) {
    syn::PageLinks links;
    for (const auto& [path, label] : related) links.related.push_back({path, label});
    links.text_path = txt_path;
    return syn::render_gemtext(parsed.meta, parsed.text, links, syn::wording_for(lang));
}

syn::FeedInfo feed_info(const BuildSettings& settings) {
    const config::FeedSettings& feed_settings = settings.feed;
    syn::FeedInfo feed;
    feed.authority = feed_settings.authority;
    feed.title = feed_settings.title;
    feed.subtitle = feed_settings.subtitle;
    feed.author = feed_settings.author;
    feed.lang = settings.lang;
    feed.max_entries = feed_settings.max_entries;
    if (settings.web) feed.mirror_url = settings.web->base_url;
    return feed;
}

/// What of `feed` an entry's XML depends on (syndication::write_entry).
std::string entry_settings(const syn::FeedInfo& feed) {
    return feed.authority + '\n' + feed.lang + '\n' + feed.base_url + '\n' + feed.mirror_url;
}

// The subscription document's information, with the newest archive month ("" : no archives).
syn::FeedInfo subscription_info(const syn::FeedInfo& feed, std::string_view newest_month) {
    syn::FeedInfo current = feed;
    if (!newest_month.empty()) current.prev_archive = syn::archive_path(newest_month);
    return current;
}

// Archive month `i` of `months` (newest first): its own path and its neighbours'.
syn::FeedInfo archive_info(const syn::FeedInfo& feed, const std::vector<std::string_view>& months, std::size_t i) {
    syn::FeedInfo archive = feed;
    archive.is_archive = true;
    archive.self_path = syn::archive_path(months[i]);
    if (i + 1 < months.size()) archive.prev_archive = syn::archive_path(months[i + 1]);
    if (i > 0) archive.next_archive = syn::archive_path(months[i - 1]);
    return archive;
}

// A feed document with `info`'s head and `entries` (written, newest first; `updated` the first's),
// as a Gemini response or with `as_files` as the mirror's file: taken from `before` (the previous
// build's at the same place) when it has the same head and the very same entries.
std::shared_ptr<const FeedDocumentProducts> make_feed_document(const syn::FeedInfo& info,
                                                               std::vector<std::shared_ptr<const std::string>> entries,
                                                               const syn::DateTime* updated,
                                                               const FeedDocumentProducts* before, bool as_files) {
    auto made = std::make_shared<FeedDocumentProducts>();
    made->entries = std::move(entries);
    made->head = syn::write_document_head(info, updated);
    if (before && before->head == made->head && before->entries == made->entries &&
        (as_files ? before->file != nullptr : before->response != nullptr)) {
        made->response = before->response;
        made->file = before->file;
        return made;
    }
    std::string bytes = as_files ? std::string() : gemini::response_header(gemini::Status::success, atom_mime);
    const std::size_t header_size = bytes.size();
    syn::append_document(bytes, made->head, made->entries);
    if (as_files) {
        made->file = std::make_shared<const std::string>(std::move(bytes));
    } else {
        Response r;
        r.bytes = std::move(bytes);
        r.header_size = header_size;
        made->response = std::make_shared<const Response>(std::move(r));
    }
    return made;
}

// An archive month's bytes as one number: months compared in one step ("YYYY-MM" is 7 bytes).
std::uint64_t month_key(std::string_view month) {
    std::uint64_t key = 0;
    std::memcpy(&key, month.data(), std::min<std::size_t>(month.size(), sizeof key));
    return key;
}

// Whether `r` is a success response of type `mime` (its header as response_header writes it).
bool has_header(const Response& r, std::string_view mime) {
    return std::string_view(r.bytes).substr(0, r.header_size) == gemini::response_header(gemini::Status::success, mime);
}

PlannedEntry planned_entry(const DocumentProducts& products) {
    return {products.order, products.month, month_key(products.month), &products};
}

/// A file with front matter, parsed and waiting for the whole tree to be known.
struct Document {
    const std::string& display() const { return file->display; }  // the file as messages name it
    const std::string& rel_dir() const { return file->rel_dir; }   // "" for the root, "anteckningar", "a/b"
    const SourceFile* file = nullptr;
    bool plain = false;   // .txt (converted) rather than .gmi (served as written)
    std::shared_ptr<const DocumentFile> parsed;
    const syn::FrontMatter& meta() const { return parsed->meta; }
    std::string lang;
    std::string gmi_path;
    std::string txt_path;  // plain documents only
    /// What the previous build made of this very file with the same parse and language, or
    /// null: its parts are taken again when their other inputs match too.
    const DocumentProducts* before = nullptr;
    std::shared_ptr<DocumentProducts> made = std::make_shared<DocumentProducts>();  // what this build makes
};

/// A gemtext page as the mirror renders it.
struct Page {
    std::string path;          // its capsule path ("/", "/dir/", "/a.gmi")
    std::string_view gemtext;  // what Gemini clients get: the body of its response in the capsule
    std::string lang;
    std::string title;    // "" : its first heading
};

class Builder {
public:
    Builder(const MimeTable& mime, const BuildSettings& settings) : mime_(mime), settings_(settings) {}

    std::shared_ptr<const Capsule> run(const SourceTree& tree) {
        capsule_->add_directory("");
        capsule_->set_source(settings_.source);
        served_.reserve(2 * tree.files.size());
        documents_.reserve(tree.files.size());
        for (const std::string& dir : tree.directories) capsule_->add_directory(dir);
        for (const auto& file : tree.files) add_file(file);
        finish();
        for (Document& doc : documents_) capsule_->remember_document(doc.display(), std::move(doc.made));
        return capsule_;
    }

private:
    [[noreturn]] void rule_error(const config::Position& where, const std::string& message) const {
        throw config::ConfigError(settings_.settings_file, where.line, where.column, message);
    }

    void claim(const std::string& path, const std::string& display, int line) {
        if (const auto other = try_claim(path, display))
            throw SourceError(display, line, path + " would be served twice: by this file and by " + std::string(*other));
    }

    // `path` served by `display`; when another file serves it already, that file (and nothing claimed).
    std::optional<std::string_view> try_claim(const std::string& path, const std::string& display) {
        const auto [it, inserted] = served_.try_emplace(path, display);
        if (!inserted) return it->second;
        served_in_order_.clear();
        if (path.starts_with("/atom/") && (!first_below_atom_ || path < first_below_atom_->first))
            first_below_atom_.emplace(path, display);
        return std::nullopt;
    }

    void add_file(const std::shared_ptr<const SourceFile>& shared) {
        const SourceFile& file = *shared;
        const std::string& name = file.name;
        const std::string url_dir = directory_key(file.rel_dir);
        const TextKind kind = text_kind(name);
        const bool gemtext = kind == TextKind::gemtext;

        if (kind != TextKind::none) {
            if (syn::has_front_matter(file.bytes)) {  // parse_document_file checks its UTF-8
                add_document(shared, name.substr(0, name.size() - 4), kind == TextKind::plain);
                return;
            }
            if (const auto bad = gemini::find_invalid_utf8(file.bytes)) {
                throw SourceError(file.display, text::line_number_at(file.bytes, *bad), "invalid UTF-8");
            }
            if (syndicated(settings_, file.rel_dir)) {
                warned_.insert(file.display);
                capsule_->add_warning(file.display + ": not a feed entry, though its directory is in feed.paths: it has "
                                                     "no front matter (begin it with a +++ header holding at least "
                                                     "title and published)");
            }
        }
        if (gemtext && warn_about_stray_markers(*capsule_, file.display, file.bytes, 1)) warned_.insert(file.display);
        const std::string path = url_dir + name;
        claim(path, file.display, 0);
        if (name == "index.gmi") claim(url_dir, file.display, 0);
        if (gemtext && has_entries_marker(file.bytes)) {
            // A page that lists the entries (a start page without front matter, typically):
            // built once the entries are known.
            listing_pages_.push_back({path, name == "index.gmi" ? url_dir : std::string(), shared});
            return;
        }
        const std::string mime = mime_type_for(name, mime_, settings_.lang);
        if (kept_without_bytes(file)) {
            // The tree kept no copy of its bytes (load.cpp): they are the previous capsule's
            // response's, whose file this is (nothing else leaves a file without bytes and stamp).
            auto before = settings_.previous ? settings_.previous->shared_response(path) : nullptr;
            if (!before) throw SourceError(file.display, 0, "its bytes were not kept from the last load; send SIGHUP");
            if (!has_header(*before, mime)) before = std::make_shared<const Response>(make_response(mime, before->body()));
            capsule_->add(path, std::move(before));
        } else {
            Response response = make_response(mime, file.bytes);
            if (name == "index.gmi") capsule_->add(url_dir, response);
            capsule_->add(path, std::move(response));
        }
        if (settings_.web) {
            if (gemtext) pages_.push_back({name == "index.gmi" ? url_dir : path, served_body(path), settings_.lang, ""});
            else statics_.emplace_back(path, served_body(path));
        }
    }

    /// What the previous build made of `file`, when it read the very same bytes under the same
    /// name (the parse depends on nothing else), else null.
    const DocumentProducts* made_before(const std::shared_ptr<const SourceFile>& file) const {
        if (!settings_.previous) return nullptr;
        const DocumentProducts* before = settings_.previous->document_products(file->display);
        if (!before || !before->file || (before->file != file && before->file->bytes != file->bytes)) return nullptr;
        return before;
    }

    /// The body of what the capsule built serves at `path` (the capsule keeps it, unmoved).
    std::string_view served_body(const std::string& path) const {
        return capsule_->find(settings_.hostnames.front(), path)->body();
    }

    void add_document(const std::shared_ptr<const SourceFile>& shared, const std::string& stem, bool plain) {
        const SourceFile& file = *shared;
        Document doc;
        doc.file = &file;
        doc.plain = plain;
        const DocumentProducts* before = made_before(shared);
        try {
            doc.parsed = before ? before->parsed  // shared with it, not copied
                                : std::make_shared<const DocumentFile>(parse_document_file(file.bytes, stem, plain));
        } catch (const syn::DocumentError& e) {
            throw SourceError(file.display, e.line(), e.what());
        }
        const syn::FrontMatter& meta = doc.meta();
        doc.lang = meta.lang.value_or(settings_.lang);
        if (before && before->lang == doc.lang) doc.before = before;
        doc.made->file = shared;
        doc.made->parsed = doc.parsed;
        doc.made->lang = doc.lang;
        if (!plain) {
            if (warn_about_stray_markers(*capsule_, file.display, doc.parsed->body, doc.parsed->body_line))
                warned_.insert(file.display);
            doc.made->lists_entries = before ? before->lists_entries : has_entries_marker(doc.parsed->body);
        }
        const std::string url_dir = directory_key(file.rel_dir);
        doc.gmi_path = gmi_path_of(file, meta);
        doc.txt_path = txt_path_of(file, meta, plain);

        for (const std::string* path : {&doc.gmi_path, &doc.txt_path}) {
            if (path->empty()) continue;
            if (const auto other = try_claim(*path, file.display)) {
                throw SourceError(file.display, meta.slug_line,
                                  "duplicate slug \"" + meta.slug + "\": " + *path + " is already served by " +
                                      std::string(*other));
            }
        }
        if (meta.slug == "index") claim(url_dir, file.display, meta.slug_line);
        documents_.push_back(std::move(doc));
    }

    // A path the capsule answers 20 for, generated ones included.
    bool is_served(const std::string& path) const {
        if (served_.contains(path) || path == "/atom.xml" || path.starts_with("/atom/")) return true;
        return path.ends_with('/') && capsule_->is_directory(path);
    }
    // What serves something below `prefix` (a path ending in "/"), if anything.
    // (The first in path order, so the message does not depend on the order files were read.)
    std::optional<std::string> served_below(const std::string& prefix) const {
        if (prefix == "/atom/") {  // asked of every build: kept as files are claimed
            if (first_below_atom_) return std::string(first_below_atom_->second);
        } else {
            if (served_in_order_.empty()) {
                served_in_order_.assign(served_.begin(), served_.end());
                std::sort(served_in_order_.begin(), served_in_order_.end());
            }
            const auto it = std::lower_bound(served_in_order_.begin(), served_in_order_.end(),
                                             std::pair<std::string_view, std::string_view>(prefix, {}));
            if (it != served_in_order_.end() && it->first.starts_with(prefix)) return std::string(it->second);
        }
        if (capsule_->is_directory(prefix)) return prefix + " (a directory)";
        return std::nullopt;
    }

    void finish() {
        const std::vector<Document*> entries = make_entries();
        const FeedPlan plan = plan_feed(entries);
        // The gemsub list: each entry's line as made, newest first.
        std::size_t size = 0;
        for (const Document* doc : plan.newest_first) size += doc->made->list_line.size();
        std::string list;
        std::vector<std::size_t> line_start;
        list.reserve(size);
        line_start.reserve(plan.newest_first.size() + 1);
        for (const Document* doc : plan.newest_first) {
            line_start.push_back(list.size());
            list += doc->made->list_line;
        }
        line_start.push_back(list.size());
        add_pages(list);
        add_paths_that_are_no_page();
        add_feeds(plan);
        if (settings_.web) add_mirror();
        warn_about_shared_instants(entries);
        // The mirror's files are not patched (build.cpp's Patch): a build with it keeps no state.
        if (!settings_.web) capsule_->set_build_state(state(plan, entries, std::move(list), std::move(line_start)));
    }


    /// The documents that are feed entries, in the tree's order, each with its entry made (or
    /// taken from the previous build: it is made from the parse and the language alone).
    std::vector<Document*> make_entries() {
        // Feed entries: ids are tag:AUTHORITY:ID (the front matter's id, else the slug), so
        // those are unique among them.
        std::vector<Document*> entries;
        std::unordered_map<std::string_view, const Document*> ids;
        for (Document& doc : documents_) {
            if (!syndicated(settings_, doc.rel_dir())) continue;
            const syn::FrontMatter& meta = doc.meta();
            if (doc.before && doc.before->feed_entry) {
                doc.made->feed_entry = doc.before->feed_entry;
                doc.made->list_line = doc.before->list_line;
                doc.made->order = doc.before->order;
                doc.made->month = doc.before->month;
            } else {
                make_entry(*doc.made, doc.gmi_path, *doc.parsed, doc.plain);
            }
            const std::string& id = doc.made->feed_entry->id;
            if (const auto [it, inserted] = ids.try_emplace(id, &doc); !inserted) {
                const int line = meta.id ? meta.id_line : meta.slug_line;
                throw SourceError(doc.display(), line,
                                  (meta.id ? "duplicate id \"" : "duplicate slug \"") + id +
                                      "\": feed entry ids need it unique, and " + it->second->display() +
                                      " uses it too" + (meta.id ? "" : " (pin one with id = \"...\")"));
            }
            entries.push_back(&doc);
        }
        return entries;
    }

    void add_pages(const std::string& list) {
        // Served document path → title, for link labels: made when the first page needs it.
        std::unordered_map<std::string_view, std::string_view> titles;
        for (Document& doc : documents_) {
            DocumentProducts& made = *doc.made;
            if (titles.empty() && !doc.meta().related.empty()) {
                titles.reserve(2 * documents_.size());
                for (const Document& d : documents_) {
                    titles.try_emplace(d.gmi_path, d.meta().title);
                    if (!d.txt_path.empty()) titles.try_emplace(d.txt_path, d.meta().title);
                }
            }
            for (const syn::RelatedPath& related : doc.meta().related) {
                if (!is_served(related.path)) {
                    throw SourceError(doc.display(), related.line,
                                      "related path \"" + related.path + "\" is not in the capsule");
                }
                const auto title = titles.find(related.path);
                made.links.emplace_back(related.path, title != titles.end() ? title->second : related.path);
            }
            // The page is made again only when what it is made from changed: a converted page's
            // parse, language and links; a gemtext document's parse, and the list when it holds one.
            const DocumentProducts* before = doc.before;
            if (before && before->page && (doc.plain ? before->links == made.links : !made.lists_entries)) {
                made.page = before->page;
                made.text = before->text;
            } else {
                const std::string page = doc.plain ? converted_page(*doc.parsed, made.links, doc.txt_path, doc.lang)
                                                   : syn::expand_entries_marker(doc.parsed->body, list);
                made.page = std::make_shared<const Response>(make_response(gemtext_mime(doc.lang), page));
                if (doc.plain)
                    made.text = before && before->text ? before->text
                                                       : std::make_shared<const Response>(
                                                             make_response(plain_text_mime, doc.parsed->body));
            }
            const bool index = doc.meta().slug == "index";
            if (index) capsule_->add(directory_key(doc.rel_dir()), made.page);
            capsule_->add(doc.gmi_path, made.page);
            if (doc.plain) capsule_->add(doc.txt_path, made.text);
            if (settings_.web) {
                pages_.push_back({index ? directory_key(doc.rel_dir()) : doc.gmi_path, served_body(doc.gmi_path), doc.lang,
                                  doc.meta().title});
                if (doc.plain) texts_.emplace_back(doc.txt_path, served_body(doc.txt_path));
            }
        }
        for (const ListingPage& page : listing_pages_) {
            const Response response = listing_response(gemtext_mime(settings_.lang), page.file->bytes, list);
            if (!page.directory.empty()) capsule_->add(page.directory, response);
            capsule_->add(page.path, response);
            if (settings_.web)
                pages_.push_back({page.directory.empty() ? page.path : page.directory, served_body(page.path),
                                  settings_.lang, ""});
        }
    }

    // Front matter aliases, [[redirect]] and [[gone]]: checked against what is served, so no
    // rule hides a page, points nowhere, or leads to another rule.
    void add_paths_that_are_no_page() {
        std::map<std::string, std::string> sources;  // a redirected or gone path → who says so
        for (const Document& doc : documents_) {
            for (const syn::RelatedPath& alias : doc.meta().aliases) {
                std::vector<std::pair<std::string, std::string>> moves{{alias.path, doc.gmi_path}};
                if (doc.plain)  // the old plain text moved too
                    moves.emplace_back(alias.path.substr(0, alias.path.size() - 4) + ".txt", doc.txt_path);
                for (const auto& [from, to] : moves) {
                    if (is_served(from))
                        throw SourceError(doc.display(), alias.line,
                                          "alias \"" + from + "\" is a page itself (" + served_name(from) +
                                              "): an alias must be a path nothing serves");
                    if (const auto [it, inserted] = sources.try_emplace(from, doc.display()); !inserted)
                        throw SourceError(doc.display(), alias.line,
                                          "alias \"" + from + "\" is already an alias of " + it->second);
                    capsule_->add_redirect(from, Redirect{to, true, {}});
                }
                if (settings_.web)
                    mirror_redirects_.push_back({alias.path, doc.gmi_path, doc.lang, doc.meta().title});
            }
        }
        for (const config::RedirectRule& rule : settings_.redirects) {
            check_shadow(rule.from, rule.where, "[[redirect]] from");
            if (const auto [it, inserted] = sources.try_emplace(rule.from, "[[redirect]]"); !inserted)
                rule_error(rule.where, "[[redirect]] from \"" + rule.from + "\" is already redirected by " + it->second);
        }
        for (const config::RedirectRule& rule : settings_.redirects) {
            if (!rule.to.starts_with("gemini://")) {
                // A redirect to a redirect is a chain at best and a loop at worst: refused. Below
                // a prefix target only another prefix rule can make one: an alias or an exact
                // rule there ends at a page, so a page moved out of the target directory (with
                // an alias, as README shows) leaves the rule valid.
                if (const auto it = sources.find(rule.to); it != sources.end())
                    rule_error(rule.where, "[[redirect]] to \"" + rule.to + "\" is redirected itself (" + it->second +
                                               "): a chain or a loop");
                if (const auto below = prefix_rule_below(rule.to, sources))
                    rule_error(rule.where, "[[redirect]] to \"" + rule.to + "\" holds [[redirect]] from \"" + *below +
                                               "\": a chain or a loop");
                const bool served = rule.to.ends_with('/') ? served_below(rule.to).has_value() : is_served(rule.to);
                if (!served) rule_error(rule.where, "[[redirect]] to \"" + rule.to + "\" is not served by the capsule");
            }
            capsule_->add_redirect(rule.from, Redirect{rule.to, rule.permanent, {}});
            if (settings_.web && !rule.from.ends_with('/') && rule.from.ends_with(".gmi") && !rule.to.starts_with("gemini://"))
                mirror_redirects_.push_back({rule.from, rule.to, settings_.lang, ""});
        }
        for (const config::GoneRule& rule : settings_.gone) {
            check_shadow(rule.path, rule.where, "[[gone]] path");
            if (const auto [it, inserted] = sources.try_emplace(rule.path, "[[gone]]"); !inserted)
                rule_error(rule.where, "[[gone]] path \"" + rule.path + "\" is already " +
                                           (it->second == "[[gone]]" ? std::string("gone by another [[gone]]")
                                                                     : "redirected by " + it->second));
            capsule_->add_gone(rule.path);
        }
        // What uploads deleted: gone while nothing else claims the path.
        for (const std::string& path : settings_.deleted)
            if (!is_served(path) && !sources.contains(path) && !capsule_->is_gone(path) && !capsule_->redirect_for(path))
                capsule_->add_gone(path);
    }

    // A prefix rule's from below `prefix` (a path ending in "/"), if any.
    static std::optional<std::string> prefix_rule_below(const std::string& prefix,
                                                        const std::map<std::string, std::string>& sources) {
        if (!prefix.ends_with('/')) return std::nullopt;
        for (auto it = sources.lower_bound(prefix); it != sources.end() && it->first.starts_with(prefix); ++it)
            if (it->first.ends_with('/')) return it->first;
        return std::nullopt;
    }

    std::string served_name(const std::string& path) const {
        const auto it = served_.find(path);
        return it != served_.end() ? std::string(it->second) : "generated";
    }

    void check_shadow(const std::string& path, const config::Position& where, const std::string& what) const {
        if (path.ends_with('/')) {
            if (const auto below = served_below(path))
                rule_error(where, what + " \"" + path + "\" would hide what " + *below + " serves");
            if (path == "/" || "/atom/" == path) rule_error(where, what + " \"" + path + "\" would hide the feeds");
        } else if (!served_.contains(path) && (path == "/atom.xml" || path.starts_with("/atom/"))) {
            rule_error(where, what + " \"" + path + "\" would hide the feeds");
        } else if (is_served(path)) {
            rule_error(where, what + " \"" + path + "\" would hide the page " + served_name(path) + " serves");
        }
    }

    /// The feed's entries newest first, and the archive months (newest first) with their
    /// entries, as indices into that order. No months when the subscription holds them all.
    struct FeedPlan {
        std::vector<Document*> newest_first;
        std::vector<std::pair<std::string, std::vector<std::size_t>>> months;
    };

    FeedPlan plan_feed(const std::vector<Document*>& entries) const {
        // syndication::newer_first's order, each entry's kept with it (paths are unique: a total order).
        std::vector<std::pair<syn::EntryOrder, Document*>> keyed;
        keyed.reserve(entries.size());
        for (Document* doc : entries) keyed.emplace_back(doc->made->order, doc);
        std::sort(keyed.begin(), keyed.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
        FeedPlan plan;
        plan.newest_first.reserve(entries.size());
        for (const auto& [order, doc] : keyed) plan.newest_first.push_back(doc);
        // RFC 5005: when the subscription document cannot hold them all, every entry is in the
        // archive of the month it was published.
        if (entries.size() <= settings_.feed.max_entries) return plan;
        std::map<std::string, std::vector<std::size_t>, std::greater<>> by_month;
        for (std::size_t i = 0; i < plan.newest_first.size(); ++i)
            by_month[plan.newest_first[i]->made->month].push_back(i);
        for (auto& [month, list] : by_month) plan.months.emplace_back(month, std::move(list));
        return plan;
    }

    /// Each entry of the plan as `feed` writes it, in the plan's order: taken from the previous
    /// build when it wrote the same entry for the same entry settings, else written (and kept).
    std::vector<std::shared_ptr<const std::string>> write_entries(const syn::FeedInfo& feed, const FeedPlan& plan) const {
        const auto settings = std::make_shared<const std::string>(entry_settings(feed));
        std::vector<std::shared_ptr<const std::string>> written;
        written.reserve(plan.newest_first.size());
        for (Document* doc : plan.newest_first) {
            std::shared_ptr<const std::string> xml;
            if (doc->before && doc->before->feed_entry == doc->made->feed_entry)
                for (const auto& [made_for, before] : doc->before->entries)
                    if (*made_for == *settings) xml = before;
            if (!xml) xml = std::make_shared<const std::string>(syn::write_entry(feed, *doc->made->feed_entry));
            doc->made->entries.emplace_back(settings, xml);
            written.push_back(std::move(xml));
        }
        return written;
    }

    /// The subscription document and every archive for `feed`, by path, from its entries as
    /// written (`written`, in the plan's order, by write_entries with the same entry settings):
    /// as Gemini responses, or with `as_files` as the mirror's files. Each is taken from the
    /// previous build when it has the same head and the very same entries (`where` names the
    /// feed among the capsule's: a host name, or "web").
    std::vector<std::pair<std::string, std::shared_ptr<const FeedDocumentProducts>>> feed_documents(
        const syn::FeedInfo& feed, const FeedPlan& plan, const std::vector<std::shared_ptr<const std::string>>& written,
        const std::string& where, bool as_files) const {
        std::vector<std::pair<std::string, std::shared_ptr<const FeedDocumentProducts>>> docs;
        auto document = [&](const std::string& path, const syn::FeedInfo& info, const std::vector<std::size_t>* indices,
                            std::size_t count) {
            std::vector<std::shared_ptr<const std::string>> entries;
            entries.reserve(count);
            for (std::size_t k = 0; k < count; ++k) entries.push_back(written[indices ? (*indices)[k] : k]);
            const syn::DateTime* updated =
                count ? &plan.newest_first[indices ? indices->front() : 0]->made->feed_entry->updated : nullptr;
            const std::string key = where + ' ' + path;
            auto made = make_feed_document(info, std::move(entries), updated,
                                           settings_.previous ? settings_.previous->feed_document(key) : nullptr, as_files);
            capsule_->remember_feed_document(key, made);
            docs.emplace_back(path, std::move(made));
        };
        try {
            std::vector<std::string_view> months;
            for (const auto& [month, indices] : plan.months) months.push_back(month);
            document("/atom.xml", subscription_info(feed, months.empty() ? std::string_view() : months.front()), nullptr,
                     std::min<std::size_t>(plan.newest_first.size(), feed.max_entries));
            for (std::size_t i = 0; i < plan.months.size(); ++i) {
                const syn::FeedInfo archive = archive_info(feed, months, i);
                document(archive.self_path, archive, &plan.months[i].second, plan.months[i].second.size());
            }
        } catch (const std::invalid_argument& e) {
            throw SourceError(settings_.settings_file, 0, std::string("[feed] ") + e.what());
        }
        return docs;
    }

    void add_feeds(const FeedPlan& plan) {
        if (const auto it = served_.find("/atom.xml"); it != served_.end())
            throw SourceError(std::string(it->second), 0, "/atom.xml is the generated Atom feed; rename this file");
        if (const auto below = served_below("/atom/"))
            throw SourceError(*below, 0, "/atom/ holds the generated feed archives; rename this directory");
        capsule_->set_entry_count(std::min<std::size_t>(plan.newest_first.size(), settings_.feed.max_entries));
        // The first host's entries are written as the mirror's feed writes them too (same
        // base_url and mirror_url: only the documents' own links differ).
        std::vector<std::shared_ptr<const std::string>> first_host_entries;
        for (std::size_t h = 0; h < settings_.hostnames.size(); ++h) {
            const std::string& host = settings_.hostnames[h];
            syn::FeedInfo feed = feed_info(settings_);
            feed.base_url = gemini::base_url(host, settings_.public_port);
            std::vector<std::shared_ptr<const std::string>> written;
            try {
                written = write_entries(feed, plan);
            } catch (const std::invalid_argument& e) {
                throw SourceError(settings_.settings_file, 0, std::string("[feed] ") + e.what());
            }
            for (auto& [path, made] : feed_documents(feed, plan, written, host, false))
                capsule_->add_for_host(host, path, made->response);
            if (h == 0) first_host_entries = std::move(written);
        }
        if (settings_.web) {
            syn::FeedInfo feed = feed_info(settings_);
            feed.base_url = gemini::base_url(settings_.hostnames.front(), settings_.public_port);
            feed.in_mirror = true;
            for (auto& [path, made] : feed_documents(feed, plan, first_host_entries, "web", true))
                mirror_feeds_.emplace_back(path, made->file);
        }
    }

    void add_mirror() {
        const config::WebSettings& web = *settings_.web;
        const auto parsed = gemini::parse_uri(web.base_url);
        const std::string base_path = std::get<gemini::Request>(parsed).path;  // "/" or "/prefix/"
        const std::string gemini_base = gemini::base_url(settings_.hostnames.front(), settings_.public_port);
        std::unordered_map<std::string, std::string> written;  // mirror file → what wrote it, for clashes
        written.reserve(pages_.size() + texts_.size() + statics_.size() + mirror_feeds_.size() + mirror_redirects_.size());
        auto add = [&](std::string file, auto bytes, const std::string& by) {  // bytes: a string, or shared
            if (const auto [it, inserted] = written.try_emplace(file, by); !inserted) {
                if (it->second == by) return;  // "/dir/" and "/dir/index.gmi": one page, one file
                throw SourceError(by, 0, "the web mirror's " + file + " would be written twice: for this and for " +
                                             it->second);
            }
            capsule_->add_mirror_file(std::move(file), std::move(bytes));
        };
        // What every page depends on besides its own gemtext, language and title.
        std::string settings = web.base_url + '\n' + settings_.feed.title + '\n' + gemini_base;
        for (const auto& h : settings_.hostnames) settings += '\n' + h;
        const Capsule* previous =
            settings_.previous && settings_.previous->mirror_settings() == settings ? settings_.previous.get() : nullptr;
        capsule_->set_mirror_settings(settings);
        for (const Page& page : pages_) {
            const std::string file = mirror_file(page.path);
            const std::string source = page.path.ends_with('/') ? page.path + "index.gmi" : page.path;
            MirrorPageSource made_from{page.path, page.lang, page.title};
            // Unchanged since the last build: the same page, the very same bytes.
            if (previous) {
                const MirrorPageSource* before = previous->mirror_page_source(file);
                const Response* served = previous->find(settings_.hostnames.front(), page.path);
                const auto old = previous->mirror().find(file);
                const bool same_gemtext = served && (served->body().data() == page.gemtext.data()  // shared
                                                     || served->body() == page.gemtext);
                if (before && *before == made_from && same_gemtext &&
                    old != previous->mirror().end() && !written.contains(file)) {
                    written.emplace(file, source);
                    capsule_->add_mirror_file(file, old->second);
                    capsule_->set_mirror_page_source(file, std::move(made_from));
                    continue;
                }
            }
            web::PageInfo info;
            info.lang = page.lang;
            info.title = page.title;
            info.path = page.path;
            info.feed_href = gemini::absolute_url(web.base_url, "/atom.xml");
            info.feed_title = settings_.feed.title;
            info.canonical_href = gemini::absolute_url(web.base_url, "/" + file);
            if (info.canonical_href.ends_with("/index.html")) info.canonical_href.resize(info.canonical_href.size() - 10);
            info.gemini_href = gemini::absolute_url(gemini_base, page.path);
            const auto link = [&](std::string_view target) {
                return web::mirror_href(target, page.path, settings_.hostnames, base_path);
            };
            add(file, web::render_page(page.gemtext, info, link), source);
            capsule_->set_mirror_page_source(file, std::move(made_from));
        }
        for (const auto& [path, body] : texts_) {
            // A plain text whose response is the previous build's (shared): its file is too.
            std::shared_ptr<const std::string> same;
            if (const Response* before = previous ? previous->find(settings_.hostnames.front(), path) : nullptr;
                before && before->body().data() == body.data())
                if (const auto old = previous->mirror().find(std::string_view(path).substr(1)); old != previous->mirror().end())
                    same = old->second;
            if (same) add(path.substr(1), std::move(same), path);
            else add(path.substr(1), std::string(body), path);
        }
        for (const auto& [path, body] : statics_) add(path.substr(1), std::string(body), path);
        for (const auto& [path, xml] : mirror_feeds_) add(path.substr(1), xml, path);
        for (const MirrorRedirect& r : mirror_redirects_) {
            const std::string target = gemini::absolute_url(web.base_url, "/" + mirror_file(r.to));
            add(mirror_file(r.from), web::redirect_page(target, r.lang, r.title), r.from);
        }
    }

    std::shared_ptr<const BuildState> state(const FeedPlan& plan, const std::vector<Document*>& entries, std::string list,
                                            std::vector<std::size_t> line_start) {
        auto state = std::make_shared<BuildState>();
        state->inputs = settings_;
        state->inputs.previous = nullptr;
        state->inputs.source = nullptr;
        state->mime = std::make_shared<const MimeTable>(mime_);
        state->newest_first.reserve(plan.newest_first.size());
        for (const Document* doc : plan.newest_first)
            state->newest_first.push_back(planned_entry(*doc->made));
        state->list = std::move(list);
        state->line_start = std::move(line_start);
        for (const auto& [month, indices] : plan.months) state->months.emplace(month, indices.size());
        state->listing_pages = listing_pages_;
        for (const Document& doc : documents_) {
            if (doc.made->lists_entries) state->listing_documents.push_back(doc.display());
            for (const syn::RelatedPath& related : doc.meta().related) state->related.insert(related.path);
        }
        state->warned = std::move(warned_);
        for (const Document* doc : entries) state->ids.insert_or_assign(doc->made->feed_entry->id, true);
        return state;
    }

    void warn_about_shared_instants(const std::vector<Document*>& entries) {
        std::map<syn::UtcKey, const Document*> seen;
        for (const Document* doc : entries) {
            const syn::DateTime& updated = doc->made->feed_entry->updated;
            const auto [it, inserted] = seen.try_emplace(doc->made->order.updated, doc);
            if (!inserted) {
                warned_.insert(doc->display());
                warned_.insert(it->second->display());
                capsule_->add_warning(doc->display() + ": its entry shares the updated instant " +
                                      syn::to_rfc3339(updated) + " with " + it->second->display() +
                                      "'s; feed validators warn and readers may order them arbitrarily: give each "
                                      "its own (published or updated with a time)");
            }
        }
    }

    const MimeTable& mime_;
    const BuildSettings& settings_;
    std::shared_ptr<Capsule> capsule_ = std::make_shared<Capsule>();
    std::unordered_map<std::string, std::string_view> served_;  // path → the file that serves it (its SourceFile::display)
    mutable std::vector<std::pair<std::string_view, std::string_view>> served_in_order_;  // served_ sorted, when asked
    std::optional<std::pair<std::string, std::string_view>> first_below_atom_;  // of served_, the first path below /atom/
    std::vector<Document> documents_;
    /// Gemtext files without front matter that hold a {{ entries }} line.
    using ListingPage = BuildState::ListingPage;
    std::vector<ListingPage> listing_pages_;
    std::unordered_set<std::string> warned_;  // the files a warning names, by display
    // For the mirror (with [web] only).
    std::vector<Page> pages_;
    std::vector<std::pair<std::string, std::string_view>> texts_;  // a plain document's .txt path → its text
    std::vector<std::pair<std::string, std::string_view>> statics_;  // a static file's path → its bytes (served)
    std::vector<std::pair<std::string, std::shared_ptr<const std::string>>> mirror_feeds_;
    struct MirrorRedirect {
        std::string from, to, lang, title;
    };
    std::vector<MirrorRedirect> mirror_redirects_;
};


// Whether two builds are made from the same settings (all but `previous` and `source`).
bool same_inputs(const BuildSettings& a, const BuildSettings& b) {
    return a.lang == b.lang && a.feed == b.feed && a.hostnames == b.hostnames && a.public_port == b.public_port &&
           a.settings_file == b.settings_file && a.redirects == b.redirects && a.gone == b.gone && a.web == b.web &&
           a.deleted == b.deleted;
}

/// The build of a tree that differs from the previous build's (BuildSettings::previous) only in
/// a few documents, made by changing a copy of the previous capsule, which shares with it all
/// the change did not touch: its cost follows the change, not the capsule. It takes only changes
/// whose reach it knows exactly, and gives what the whole build gives, byte for byte
/// (incremental_load_test): documents added, edited or removed that have no aliases, related
/// links or {{ entries }} line, are no directory's index and are named by no warning, related
/// link, [[redirect]] or deleted path; whose new paths nothing else serves, redirects or calls
/// gone; whose ids are unique and whose updated instants no other entry shares; that bring no
/// archive month into being or out of it; without [web]; with the same settings and MIME types.
/// For anything else, and for every error, run() gives null and the whole build runs (it says
/// what is wrong, with file and line).
class Patch {
public:
    Patch(const SourceTree& tree, const MimeTable& mime, const BuildSettings& settings)
        : tree_(tree), mime_(mime), settings_(settings) {}

    std::shared_ptr<const Capsule> run() {
        if (!settings_.previous || settings_.web || settings_.hostnames.empty()) return nullptr;
        const Capsule& previous = *settings_.previous;
        const BuildState* state = previous.build_state().get();
        if (!state || !previous.source() || previous.source()->root_display != tree_.root_display ||
            !same_inputs(state->inputs, settings_) || *state->mime != mime_ ||
            previous.source()->directories != tree_.directories || !find_changes(*previous.source()))
            return nullptr;
        for (const auto& file : gone_files_)
            if (!take_out(previous, *state, *file)) return nullptr;
        for (const auto& file : new_files_)
            if (!bring_in(previous, *state, file)) return nullptr;
        if (!plan(*state)) return nullptr;
        try {
            return make(previous, *state);
        } catch (const std::invalid_argument&) {  // an entry no feed can carry: the build says so
            return nullptr;
        }
    }

private:
    static constexpr std::size_t most_changes = 64;  // beyond: the whole build, not slower then

    // The files of the tree that are not the previous tree's (the very same SourceFile): new or
    // changed ones in new_files_, removed or changed ones in gone_files_ (both in the tree's order).
    bool find_changes(const SourceTree& before) {
        const auto& now = tree_.files;
        const auto& then = before.files;
        std::size_t i = 0, j = 0;
        while (i < now.size() || j < then.size()) {
            if (i < now.size() && j < then.size() && now[i] == then[j]) {
                ++i, ++j;
                continue;
            }
            if (gone_files_.size() + new_files_.size() >= most_changes) return false;
            if (j == then.size() ||
                (i < now.size() && walk_order_less(now[i]->rel_dir, now[i]->name, then[j]->rel_dir, then[j]->name))) {
                new_files_.push_back(now[i++]);
            } else if (i == now.size() ||
                       walk_order_less(then[j]->rel_dir, then[j]->name, now[i]->rel_dir, now[i]->name)) {
                gone_files_.push_back(then[j++]);
            } else if (then[j]->bytes == now[i]->bytes && !kept_without_bytes(*then[j])) {  // read again, the same
                ++i, ++j;
            } else {  // the same name, other bytes (or a static file's, which the tree does not keep)
                gone_files_.push_back(then[j++]);
                new_files_.push_back(now[i++]);
            }
        }
        return true;
    }

    // Whether a document's path can come or go without reaching anything but the lists and feeds:
    // no related link names it, no deleted path is it, and no [[redirect]] leads to it (or to a
    // prefix above it that is no directory, which a directory keeps served).
    bool settled(const Capsule& previous, const BuildState& state, const std::string& path) const {
        if (state.related.contains(path)) return false;
        if (std::find(settings_.deleted.begin(), settings_.deleted.end(), path) != settings_.deleted.end()) return false;
        for (const config::RedirectRule& rule : settings_.redirects) {
            if (rule.to.starts_with("gemini://")) continue;
            if (rule.to == path) return false;
            if (rule.to.ends_with('/') && path.starts_with(rule.to) && !previous.is_directory(rule.to)) return false;
        }
        return true;
    }

    static bool reaches_other_pages(const syn::FrontMatter& meta) {
        return !meta.aliases.empty() || !meta.related.empty() || meta.slug == "index";
    }

    // A file served as it is (a static file, a gemtext page without front matter) at its path.
    bool take_out_served_as_is(const Capsule& previous, const BuildState& state, const SourceFile& file) {
        if (file.name == "index.gmi" || state.warned.contains(file.display)) return false;  // its directory's page
        std::string path = directory_key(file.rel_dir) + file.name;
        if (!previous.find(settings_.hostnames.front(), path) || !settled(previous, state, path)) return false;
        for (const BuildState::ListingPage& page : state.listing_pages)
            if (page.path == path) return false;
        gone_paths_.insert(std::move(path));
        return true;
    }

    bool bring_in_served_as_is(const Capsule& previous, const BuildState& state, const std::shared_ptr<const SourceFile>& file) {
        const TextKind kind = text_kind(file->name);
        if (file->name == "index.gmi") return false;
        if (kind != TextKind::none) {  // the build checks these and may warn
            if (gemini::find_invalid_utf8(file->bytes) || syndicated(settings_, file->rel_dir)) return false;
            if (kind == TextKind::gemtext &&
                (has_entries_marker(file->bytes) || !syn::stray_entries_markers(file->bytes).empty()))
                return false;
        }
        if (kept_without_bytes(*file)) return false;  // the whole build takes its bytes from the previous capsule
        std::string path = directory_key(file->rel_dir) + file->name;
        if (!claimable(previous, state, path)) return false;
        const std::string mime = mime_type_for(file->name, mime_, settings_.lang);
        std::shared_ptr<const Response> response;
        if (gone_paths_.contains(path))
            if (auto before = previous.shared_response(path); before && before->body() == file->bytes && has_header(*before, mime))
                response = std::move(before);  // read again, the same: shared, as it was
        if (!response) response = std::make_shared<const Response>(make_response(mime, file->bytes));
        new_served_.emplace_back(std::move(path), std::move(response));
        return true;
    }

    // Whether a new file may serve `path`: nothing else does (but what goes), no rule or alias
    // redirects it, it is not gone, and it is settled.
    bool claimable(const Capsule& previous, const BuildState& state, const std::string& path) {
        if (path == "/atom.xml" || path.starts_with("/atom/")) return false;
        if (previous.find(settings_.hostnames.front(), path) && !gone_paths_.contains(path)) return false;
        if (!new_paths_.insert(path).second) return false;
        return !previous.redirect_for(path) && !previous.is_gone(path) && settled(previous, state, path);
    }

    bool take_out(const Capsule& previous, const BuildState& state, const SourceFile& file) {
        const DocumentProducts* before = previous.document_products(file.display);
        if (!before) return take_out_served_as_is(previous, state, file);
        if (before->file->bytes != file.bytes || before->lists_entries || state.warned.contains(file.display))
            return false;  // one that reaches further
        const syn::FrontMatter& meta = before->parsed->meta;
        if (reaches_other_pages(meta)) return false;
        for (std::string path : {gmi_path_of(file, meta), txt_path_of(file, meta, text_kind(file.name) == TextKind::plain)}) {
            if (path.empty()) continue;
            if (!settled(previous, state, path)) return false;
            gone_paths_.insert(std::move(path));
        }
        if (before->feed_entry) {
            gone_entries_.push_back(before);
            gone_ids_.insert(before->feed_entry->id);
        }
        return true;
    }

    bool bring_in(const Capsule& previous, const BuildState& state, const std::shared_ptr<const SourceFile>& shared) {
        const SourceFile& file = *shared;
        const TextKind kind = text_kind(file.name);
        if (kind == TextKind::none || !syn::has_front_matter(file.bytes)) return bring_in_served_as_is(previous, state, shared);
        const bool plain = kind == TextKind::plain;
        auto made = std::make_shared<DocumentProducts>();
        try {
            made->parsed = std::make_shared<const DocumentFile>(
                parse_document_file(file.bytes, std::string_view(file.name).substr(0, file.name.size() - 4), plain));
        } catch (const std::exception&) {
            return false;  // the whole build names the file and line
        }
        const DocumentFile& parsed = *made->parsed;
        const syn::FrontMatter& meta = parsed.meta;
        if (reaches_other_pages(meta)) return false;
        if (!plain && (has_entries_marker(parsed.body) || !syn::stray_entries_markers(parsed.body).empty())) return false;
        NewDocument doc{shared, made, gmi_path_of(file, meta), txt_path_of(file, meta, plain)};
        for (const std::string* path : {&doc.gmi_path, &doc.txt_path})
            if (!path->empty() && !claimable(previous, state, *path)) return false;
        made->file = shared;
        made->lang = meta.lang.value_or(settings_.lang);
        made->page = std::make_shared<const Response>(
            make_response(gemtext_mime(made->lang), plain ? converted_page(parsed, {}, doc.txt_path, made->lang)
                                                          : syn::expand_entries_marker(parsed.body, {})));
        if (plain) made->text = std::make_shared<const Response>(make_response(plain_text_mime, parsed.body));
        if (syndicated(settings_, file.rel_dir)) {
            make_entry(*made, doc.gmi_path, parsed, plain);
            const std::string& id = made->feed_entry->id;
            if ((state.ids.contains(id) && !gone_ids_.contains(id)) || !new_ids_.insert(id).second) return false;
            new_entries_.push_back(made);
        }
        new_docs_.push_back(std::move(doc));
        return true;
    }

    // The entries in order and the list with the changes, and the archive months they touch.
    bool plan(const BuildState& state) {
        // Copies with room for what comes, so that inserting does not copy them again.
        std::size_t new_lines = 0;
        for (const auto& made : new_entries_) new_lines += made->list_line.size();
        newest_first_.reserve(state.newest_first.size() + new_entries_.size());
        newest_first_.assign(state.newest_first.begin(), state.newest_first.end());
        list_.reserve(state.list.size() + new_lines);
        list_.assign(state.list);
        line_start_.reserve(state.line_start.size() + new_entries_.size());
        line_start_.assign(state.line_start.begin(), state.line_start.end());
        months_ = state.months;
        const bool archived = state.newest_first.size() > settings_.feed.max_entries;
        const auto place = [&](const syn::EntryOrder& order) {
            return std::lower_bound(newest_first_.begin(), newest_first_.end(), order,
                                    [](const PlannedEntry& e, const syn::EntryOrder& o) { return e.order < o; });
        };
        for (const DocumentProducts* before : gone_entries_) {
            const auto it = place(before->order);
            if (it == newest_first_.end() || it->products != before) return false;
            erase_line(static_cast<std::size_t>(it - newest_first_.begin()));
            newest_first_.erase(it);
            if (archived) {
                const auto month = months_.find(before->month);
                if (month == months_.end()) return false;
                if (--month->second == 0) {  // its archive goes, and its neighbours' links change
                    gone_months_.push_back(month->first);
                    months_.erase(month);
                }
            }
            touched_months_.insert(before->month);
        }
        for (const auto& made : new_entries_) {
            const auto it = place(made->order);
            // Sorted by updated first: an entry with the same instant would be next to it.
            if ((it != newest_first_.end() && it->order.updated == made->order.updated) ||
                (it != newest_first_.begin() && std::prev(it)->order.updated == made->order.updated))
                return false;  // the build warns of that
            insert_line(static_cast<std::size_t>(it - newest_first_.begin()), made->list_line);
            newest_first_.insert(it, planned_entry(*made));
            if (archived) ++months_[made->month];  // a new month's neighbours' links change
            touched_months_.insert(made->month);
        }
        if ((newest_first_.size() > settings_.feed.max_entries) != archived) return false;  // archives begin or end
        if (archived) {
            // The months on either side of one that came or went link to it (or now past it).
            std::vector<std::string_view> now;
            for (const auto& [month, entries] : months_) now.push_back(month);
            for (std::size_t i = 0; i < now.size(); ++i) {
                const bool came = !state.months.contains(now[i]);
                if (came && i > 0) touched_months_.insert(now[i - 1]);
                if (came && i + 1 < now.size()) touched_months_.insert(now[i + 1]);
            }
            for (const std::string& gone : gone_months_) {
                // newest first: the first month older than the one gone, and the one before it
                const auto older = std::find_if(now.begin(), now.end(), [&](std::string_view m) { return m < gone; });
                if (older != now.end()) touched_months_.insert(*older);
                if (older != now.begin()) touched_months_.insert(*std::prev(older));
            }
        }
        return true;
    }

    void erase_line(std::size_t k) {
        const std::size_t from = line_start_[k], size = line_start_[k + 1] - from;
        list_.erase(from, size);
        line_start_.erase(line_start_.begin() + static_cast<std::ptrdiff_t>(k));
        for (std::size_t i = k; i < line_start_.size(); ++i) line_start_[i] -= size;
    }

    void insert_line(std::size_t k, const std::string& line) {
        const std::size_t at = line_start_[k];
        list_.insert(at, line);
        line_start_.insert(line_start_.begin() + static_cast<std::ptrdiff_t>(k), at);
        for (std::size_t i = k + 1; i < line_start_.size(); ++i) line_start_[i] += line.size();
    }

    std::shared_ptr<const Capsule> make(const Capsule& previous, const BuildState& before) {
        auto next = std::make_shared<Capsule>(previous);
        auto state = std::make_shared<BuildState>();
        state->inputs = before.inputs;
        state->mime = before.mime;
        state->newest_first = std::move(newest_first_);
        state->list = std::move(list_);
        state->line_start = std::move(line_start_);
        state->months = std::move(months_);
        state->listing_pages = before.listing_pages;
        state->listing_documents = before.listing_documents;
        state->related = before.related;
        state->warned = before.warned;
        state->ids = before.ids;
        for (const std::string& id : gone_ids_) state->ids.erase(id);
        for (const auto& made : new_entries_) state->ids.insert_or_assign(made->feed_entry->id, true);
        const auto planned = [&](const DocumentProducts& products) {
            return std::lower_bound(state->newest_first.begin(), state->newest_first.end(), products.order,
                                    [](const PlannedEntry& e, const syn::EntryOrder& o) { return e.order < o; });
        };

        for (const auto& file : gone_files_) next->forget_document(file->display);
        for (const std::string& path : gone_paths_) next->remove(path);
        for (const NewDocument& doc : new_docs_) {
            next->add(doc.gmi_path, doc.made->page);
            if (!doc.txt_path.empty()) next->add(doc.txt_path, doc.made->text);
        }
        for (auto& [path, response] : new_served_) next->add(path, std::move(response));
        // What holds the list: pages without front matter, and documents.
        for (const BuildState::ListingPage& page : state->listing_pages) {
            const auto response = std::make_shared<const Response>(
                listing_response(gemtext_mime(settings_.lang), page.file->bytes, state->list));
            if (!page.directory.empty()) next->add(page.directory, response);
            next->add(page.path, response);
        }
        for (const std::string& display : state->listing_documents) {
            const DocumentProducts* old = previous.document_products(display);
            if (!old) return nullptr;
            auto made = std::make_shared<DocumentProducts>(*old);
            made->page = std::make_shared<const Response>(listing_response(gemtext_mime(made->lang), made->parsed->body, state->list));
            const syn::FrontMatter& meta = made->parsed->meta;
            if (meta.slug == "index") next->add(directory_key(made->file->rel_dir), made->page);
            next->add(gmi_path_of(*made->file, meta), made->page);
            if (made->feed_entry) {
                const auto it = planned(*made);
                if (it == state->newest_first.end() || it->products != old) return nullptr;
                *it = planned_entry(*made);
            }
            next->remember_document(display, std::move(made));
        }
        // Each host's feed: its subscription document and the archive months the change is in.
        const std::size_t count = state->newest_first.size();
        const bool archived = count > settings_.feed.max_entries;
        std::vector<std::string_view> months;
        for (const auto& [month, entries] : state->months) months.push_back(month);
        // The archive months the change is in (or next to), with their entries, newest first.
        std::vector<std::pair<std::size_t, std::vector<const PlannedEntry*>>> touched;
        if (archived) {
            for (std::size_t i = 0; i < months.size(); ++i) {
                if (!touched_months_.contains(months[i])) continue;
                const std::uint64_t key = month_key(months[i]);
                auto& [index, in] = touched.emplace_back(i, std::vector<const PlannedEntry*>());
                for (const PlannedEntry& e : state->newest_first)
                    if (e.month_key == key) in.push_back(&e);
            }
        }
        for (const std::string& host : settings_.hostnames) {
            syn::FeedInfo feed = feed_info(settings_);
            feed.base_url = gemini::base_url(host, settings_.public_port);
            const auto made_for = std::make_shared<const std::string>(entry_settings(feed));
            for (const auto& made : new_entries_)
                made->entries.emplace_back(made_for, std::make_shared<const std::string>(syn::write_entry(feed, *made->feed_entry)));
            const auto written = [&](const PlannedEntry& e) -> std::shared_ptr<const std::string> {
                for (const auto& [settings, xml] : e.products->entries)
                    if (*settings == *made_for) return xml;
                return nullptr;
            };
            const auto put = [&](const std::string& path, const syn::FeedInfo& info, const std::vector<const PlannedEntry*>& in) {
                std::vector<std::shared_ptr<const std::string>> entries;
                entries.reserve(in.size());
                for (const PlannedEntry* e : in) {
                    entries.push_back(written(*e));
                    if (!entries.back()) return false;
                }
                const std::string key = host + ' ' + path;
                auto made = make_feed_document(info, std::move(entries), in.empty() ? nullptr : &in.front()->products->feed_entry->updated,
                                               previous.feed_document(key), false);
                next->add_for_host(host, path, made->response);
                next->remember_feed_document(key, std::move(made));
                return true;
            };
            std::vector<const PlannedEntry*> in;
            for (std::size_t k = 0; k < std::min<std::size_t>(count, settings_.feed.max_entries); ++k)
                in.push_back(&state->newest_first[k]);
            if (!put("/atom.xml", subscription_info(feed, months.empty() ? std::string_view() : months.front()), in))
                return nullptr;
            for (const auto& [i, entries] : touched) {
                const syn::FeedInfo archive = archive_info(feed, months, i);
                if (!put(archive.self_path, archive, entries)) return nullptr;
            }
        }
        for (const std::string& month : gone_months_) {
            if (state->months.contains(month)) continue;  // it came back
            const std::string path = syn::archive_path(month);
            next->remove(path);
            for (const std::string& host : settings_.hostnames) next->forget_feed_document(host + ' ' + path);
        }
        for (NewDocument& doc : new_docs_) next->remember_document(doc.file->display, std::move(doc.made));
        next->set_entry_count(std::min<std::size_t>(count, settings_.feed.max_entries));
        next->set_source(settings_.source);
        next->set_build_state(std::move(state));
        return next;
    }

    struct NewDocument {
        std::shared_ptr<const SourceFile> file;
        std::shared_ptr<DocumentProducts> made;
        std::string gmi_path, txt_path;
    };

    const SourceTree& tree_;
    const MimeTable& mime_;
    const BuildSettings& settings_;
    std::vector<std::shared_ptr<const SourceFile>> gone_files_, new_files_;
    std::unordered_set<std::string> gone_paths_, new_paths_, gone_ids_, new_ids_;
    std::vector<const DocumentProducts*> gone_entries_;
    std::vector<std::shared_ptr<DocumentProducts>> new_entries_;
    std::vector<NewDocument> new_docs_;
    std::vector<std::pair<std::string, std::shared_ptr<const Response>>> new_served_;  // files served as they are
    std::vector<PlannedEntry> newest_first_;
    std::string list_;
    std::vector<std::size_t> line_start_;
    std::map<std::string, std::size_t, std::greater<>> months_;
    std::unordered_set<std::string_view> touched_months_;
    std::vector<std::string> gone_months_;  // archive months whose last entry went
};

}  // namespace

DocumentFile parse_document_file(std::string_view bytes, std::string_view stem, bool plain) {
    if (const auto bad = gemini::find_invalid_utf8(bytes))
        throw syn::DocumentError(text::line_number_at(bytes, *bad), "invalid UTF-8");
    // Every document may become a feed entry, so XML 1.0's rules apply to all of them.
    if (const auto bad = syn::find_disallowed_xml_char(bytes))
        throw syn::DocumentError(text::line_number_at(bytes, bad->offset),
                                 "character " + syn::code_point_name(bad->code_point) +
                                     " is not allowed in XML 1.0, so no feed could carry this document");
    syn::DocumentSource source = syn::parse_document(bytes, stem);
    DocumentFile doc;
    doc.body = std::string(source.body);
    doc.body_line = source.body_line;
    doc.meta = std::move(source.meta);
    if (plain) doc.text = syn::parse_plain_text(doc.body, source.body_line);
    return doc;
}

BuildSettings build_settings(const config::HostSettings& host, const config::Config& config) {
    BuildSettings s;
    s.lang = host.lang;
    s.feed = host.feed;
    s.hostnames = host.names;
    s.public_port = config.server.public_port;
    s.settings_file = config.file.string();
    s.redirects = host.redirects;
    s.gone = host.gone;
    s.web = host.web;
    return s;
}

std::shared_ptr<const Capsule> build_capsule(const SourceTree& tree, const MimeTable& mime,
                                             const BuildSettings& settings) {
    if (settings.previous)
        if (auto patched = Patch(tree, mime, settings).run()) return patched;
    return Builder(mime, settings).run(tree);
}

}  // namespace kapsel::capsule
