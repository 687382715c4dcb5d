// build_capsule: every prebuilt response from the files' bytes (see build.hpp).
//
// In order: each file is a static file, a document (front matter) or a page that lists the
// entries; then the entries, the pages, the paths that are no page (aliases, [[redirect]],
// [[gone]]), the feeds (and their RFC 5005 archives), and, with [web], the mirror.

#include "capsule/build.hpp"

#include <algorithm>
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
#include "text/ascii.hpp"
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

// A line that looks like the {{ entries }} marker but is not exactly it is served as written:
// the author hears of it, with the file and line.
void warn_about_stray_markers(Capsule& capsule, const std::string& display, std::string_view gemtext,
                              int first_line) {
    for (const int n : syn::stray_entries_markers(gemtext))
        capsule.add_warning(display + ":" + std::to_string(first_line + n - 1) + ": \"" +
                            std::string(syn::entries_marker) +
                            "\" becomes the list of entries only on a line of its own, exactly so; this line "
                            "is served as written");
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

/// A file with front matter, parsed and waiting for the whole tree to be known.
struct Document {
    std::string display;  // the file as messages name it
    std::string rel_dir;  // "" for the root, "anteckningar", "a/b"
    bool plain = false;   // .txt (converted) rather than .gmi (served as written)
    std::string body;     // as authored, after the front matter
    int body_line = 1;    // the file's line where `body` begins
    syn::FrontMatter meta;
    syn::PlainText text;  // plain documents only
    std::string lang;
    std::string gmi_path;
    std::string txt_path;  // plain documents only
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
        if (settings_.previous && settings_.previous->source())
            for (const SourceFile& f : settings_.previous->source()->files) previous_files_.emplace(f.display, &f);
        for (const std::string& dir : tree.directories) capsule_->add_directory(dir);
        for (const SourceFile& file : tree.files) add_file(file);
        finish();
        return capsule_;
    }

private:
    [[noreturn]] void rule_error(const config::Position& where, const std::string& message) const {
        throw config::ConfigError(settings_.settings_file, where.line, where.column, message);
    }

    void claim(const std::string& path, const std::string& display, int line) {
        const auto [it, inserted] = served_.try_emplace(path, display);
        if (!inserted) {
            throw SourceError(display, line, path + " would be served twice: by this file and by " + it->second);
        }
    }

    bool syndicated(const std::string& rel_dir) const {
        const auto& paths = settings_.feed.paths;  // normalised by parse_config: no slash at either end
        return std::any_of(paths.begin(), paths.end(),
                           [&](const std::string& p) { return rel_dir == p || rel_dir.starts_with(p + "/"); });
    }

    void add_file(const SourceFile& file) {
        const std::string& name = file.name;
        const std::string url_dir = directory_key(file.rel_dir);
        const std::size_t dot = name.rfind('.');
        const std::string ext = dot == std::string::npos ? std::string() : text::to_lower(name.substr(dot + 1));
        const bool textual = ext == "gmi" || ext == "txt";

        if (textual) {
            if (const auto bad = gemini::find_invalid_utf8(file.bytes)) {
                throw SourceError(file.display, text::line_number_at(file.bytes, *bad), "invalid UTF-8");
            }
            if (syn::has_front_matter(file.bytes)) {
                add_document(file, name.substr(0, dot), ext == "txt");
                return;
            }
            if (syndicated(file.rel_dir))
                capsule_->add_warning(file.display + ": not a feed entry, though its directory is in feed.paths: it has "
                                                     "no front matter (begin it with a +++ header holding at least "
                                                     "title and published)");
        }
        if (ext == "gmi") warn_about_stray_markers(*capsule_, file.display, file.bytes, 1);
        const std::string path = url_dir + name;
        claim(path, file.display, 0);
        if (name == "index.gmi") claim(url_dir, file.display, 0);
        if (ext == "gmi" && has_entries_marker(file.bytes)) {
            // A page that lists the entries (a start page without front matter, typically):
            // built once the entries are known.
            listing_pages_.push_back({path, name == "index.gmi" ? url_dir : std::string(), &file});
            return;
        }
        Response response = make_response(mime_type_for(name, mime_, settings_.lang), file.bytes);
        if (name == "index.gmi") capsule_->add(url_dir, response);
        capsule_->add(path, std::move(response));
        if (settings_.web) {
            if (ext == "gmi") pages_.push_back({name == "index.gmi" ? url_dir : path, served_body(path), settings_.lang, ""});
            else statics_.emplace_back(path, &file);
        }
    }

    /// The previous build's parse of `file`, when it read the very same bytes under the same name
    /// (the parse depends on nothing else), else null.
    std::shared_ptr<const DocumentFile> parsed_before(const SourceFile& file) const {
        const auto it = previous_files_.find(file.display);
        if (it == previous_files_.end() || it->second->bytes != file.bytes) return nullptr;
        return settings_.previous->parsed_document(file.display);  // shared with it, not copied
    }

    /// The body of what the capsule built serves at `path` (the capsule keeps it, unmoved).
    std::string_view served_body(const std::string& path) const {
        return capsule_->find(settings_.hostnames.front(), path)->body();
    }

    void add_document(const SourceFile& file, const std::string& stem, bool plain) {
        Document doc;
        doc.display = file.display;
        doc.rel_dir = file.rel_dir;
        doc.plain = plain;
        try {
            std::shared_ptr<const DocumentFile> parsed = parsed_before(file);
            if (!parsed) parsed = std::make_shared<const DocumentFile>(parse_document_file(file.bytes, stem, plain));
            doc.body = parsed->body;
            doc.body_line = parsed->body_line;
            doc.meta = parsed->meta;
            doc.text = parsed->text;
            capsule_->remember_document(file.display, std::move(parsed));
        } catch (const syn::DocumentError& e) {
            throw SourceError(file.display, e.line(), e.what());
        }
        doc.lang = doc.meta.lang.value_or(settings_.lang);
        if (!plain) warn_about_stray_markers(*capsule_, file.display, doc.body, doc.body_line);
        const std::string url_dir = directory_key(file.rel_dir);
        doc.gmi_path = url_dir + doc.meta.slug + ".gmi";
        if (plain) doc.txt_path = url_dir + doc.meta.slug + ".txt";

        for (const std::string* path : {&doc.gmi_path, &doc.txt_path}) {
            if (path->empty()) continue;
            if (const auto it = served_.find(*path); it != served_.end()) {
                throw SourceError(file.display, doc.meta.slug_line,
                                  "duplicate slug \"" + doc.meta.slug + "\": " + *path + " is already served by " +
                                      it->second);
            }
            claim(*path, file.display, doc.meta.slug_line);
        }
        if (doc.meta.slug == "index") claim(url_dir, file.display, doc.meta.slug_line);
        documents_.push_back(std::move(doc));
    }

    // A path the capsule answers 20 for, generated ones included.
    bool is_served(const std::string& path) const {
        if (served_.contains(path) || path == "/atom.xml" || path.starts_with("/atom/")) return true;
        return path.ends_with('/') && capsule_->is_directory(path);
    }
    // What serves something below `prefix` (a path ending in "/"), if anything.
    std::optional<std::string> served_below(const std::string& prefix) const {
        const auto it = served_.lower_bound(prefix);
        if (it != served_.end() && it->first.starts_with(prefix)) return it->second;
        if (capsule_->is_directory(prefix)) return prefix + " (a directory)";
        return std::nullopt;
    }

    void finish() {
        std::vector<syn::Entry> entries = make_entries();
        const std::string list = syn::render_gemsub_list(entries);
        add_pages(list);
        add_paths_that_are_no_page();
        add_feeds(entries);
        if (settings_.web) add_mirror();
        warn_about_shared_instants(entries);
    }

    std::vector<syn::Entry> make_entries() {
        // Feed entries: ids are tag:AUTHORITY:ID (the front matter's id, else the slug), so
        // those are unique among them.
        std::vector<syn::Entry> entries;
        std::map<std::string, const Document*> ids;
        for (const Document& doc : documents_) {
            if (!syndicated(doc.rel_dir)) continue;
            const std::string id = doc.meta.id.value_or(doc.meta.slug);
            if (const auto [it, inserted] = ids.try_emplace(id, &doc); !inserted) {
                const int line = doc.meta.id ? doc.meta.id_line : doc.meta.slug_line;
                throw SourceError(doc.display, line,
                                  (doc.meta.id ? "duplicate id \"" : "duplicate slug \"") + id +
                                      "\": feed entry ids need it unique, and " + it->second->display +
                                      " uses it too" + (doc.meta.id ? "" : " (pin one with id = \"...\")"));
            }
            syn::Entry e;
            e.path = doc.gmi_path;
            e.slug = doc.meta.slug;
            e.id = id;
            e.title = doc.meta.title;
            e.authors = doc.meta.authors;
            e.published = doc.meta.published;
            e.updated = doc.meta.effective_updated();
            e.lang = doc.lang;
            e.content = doc.body;
            if (doc.meta.summary) e.summary = *doc.meta.summary;
            else if (doc.plain) e.summary = syn::lede(doc.text);
            else e.summary = syn::first_text_line(doc.body).value_or(doc.meta.title);
            entries.push_back(std::move(e));
        }
        return entries;
    }

    void add_pages(const std::string& list) {
        std::map<std::string, std::string> titles;  // served document path → title, for link labels
        for (const Document& doc : documents_) {
            titles[doc.gmi_path] = doc.meta.title;
            if (!doc.txt_path.empty()) titles[doc.txt_path] = doc.meta.title;
        }
        for (const Document& doc : documents_) {
            syn::PageLinks links;
            for (const syn::RelatedPath& related : doc.meta.related) {
                if (!is_served(related.path)) {
                    throw SourceError(doc.display, related.line,
                                      "related path \"" + related.path + "\" is not in the capsule");
                }
                const auto title = titles.find(related.path);
                links.related.push_back({related.path, title != titles.end() ? title->second : related.path});
            }
            links.text_path = doc.txt_path;
            const std::string page = doc.plain
                                         ? syn::render_gemtext(doc.meta, doc.text, links, syn::wording_for(doc.lang))
                                         : syn::expand_entries_marker(doc.body, list);
            Response response = make_response(gemtext_mime(doc.lang), page);
            const bool index = doc.meta.slug == "index";
            if (index) capsule_->add(directory_key(doc.rel_dir), response);
            capsule_->add(doc.gmi_path, std::move(response));
            if (doc.plain) capsule_->add(doc.txt_path, make_response(plain_text_mime, doc.body));
            if (settings_.web) {
                pages_.push_back({index ? directory_key(doc.rel_dir) : doc.gmi_path, served_body(doc.gmi_path), doc.lang,
                                  doc.meta.title});
                if (doc.plain) texts_.emplace_back(doc.txt_path, served_body(doc.txt_path));
            }
        }
        for (const ListingPage& page : listing_pages_) {
            const std::string gemtext = syn::expand_entries_marker(page.file->bytes, list);
            const Response response = make_response(gemtext_mime(settings_.lang), gemtext);
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
            for (const syn::RelatedPath& alias : doc.meta.aliases) {
                std::vector<std::pair<std::string, std::string>> moves{{alias.path, doc.gmi_path}};
                if (doc.plain)  // the old plain text moved too
                    moves.emplace_back(alias.path.substr(0, alias.path.size() - 4) + ".txt", doc.txt_path);
                for (const auto& [from, to] : moves) {
                    if (is_served(from))
                        throw SourceError(doc.display, alias.line,
                                          "alias \"" + from + "\" is a page itself (" + served_name(from) +
                                              "): an alias must be a path nothing serves");
                    if (const auto [it, inserted] = sources.try_emplace(from, doc.display); !inserted)
                        throw SourceError(doc.display, alias.line,
                                          "alias \"" + from + "\" is already an alias of " + it->second);
                    capsule_->add_redirect(from, Redirect{to, true, {}});
                }
                if (settings_.web)
                    mirror_redirects_.push_back({alias.path, doc.gmi_path, doc.lang, doc.meta.title});
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
        return it != served_.end() ? it->second : "generated";
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

    syn::FeedInfo feed_info() const {
        const config::FeedSettings& settings = settings_.feed;
        syn::FeedInfo feed;
        feed.authority = settings.authority;
        feed.title = settings.title;
        feed.subtitle = settings.subtitle;
        feed.author = settings.author;
        feed.lang = settings_.lang;
        feed.max_entries = settings.max_entries;
        if (settings_.web) feed.mirror_url = settings_.web->base_url;
        return feed;
    }

    /// The subscription document and the archives, for one base URL (a host name's, or the
    /// mirror's): path → XML.
    /// The feed's entries newest first, and the archive months (newest first) with their
    /// entries, as indices into that order. No months when the subscription holds them all.
    struct FeedPlan {
        std::vector<const syn::Entry*> newest_first;
        std::vector<std::pair<std::string, std::vector<std::size_t>>> months;
    };

    FeedPlan plan_feed(const std::vector<syn::Entry>& entries) const {
        FeedPlan plan;
        for (const syn::Entry& e : entries) plan.newest_first.push_back(&e);
        std::stable_sort(plan.newest_first.begin(), plan.newest_first.end(),
                         [](const syn::Entry* a, const syn::Entry* b) { return syn::newer_first(*a, *b); });
        // RFC 5005: when the subscription document cannot hold them all, every entry is in the
        // archive of the month it was published.
        if (entries.size() <= settings_.feed.max_entries) return plan;
        std::map<std::string, std::vector<std::size_t>, std::greater<>> by_month;
        for (std::size_t i = 0; i < plan.newest_first.size(); ++i)
            by_month[syn::archive_month(*plan.newest_first[i])].push_back(i);
        for (auto& [month, list] : by_month) plan.months.emplace_back(month, std::move(list));
        return plan;
    }

    /// The subscription document and every archive for `feed`, each entry written once
    /// (`written`: the entries as written for `feed`, in the plan's order; written here when
    /// empty, and reused by a caller whose feed writes entries the same way).
    std::vector<std::pair<std::string, std::string>> feed_documents(const syn::FeedInfo& feed, const FeedPlan& plan,
                                                                     std::vector<std::string>& written) const {
        std::vector<std::pair<std::string, std::string>> docs;
        try {
            if (written.empty()) {
                written.reserve(plan.newest_first.size());
                for (const syn::Entry* e : plan.newest_first) written.push_back(syn::write_entry(feed, *e));
            }
            auto document = [&](const syn::FeedInfo& info, const std::vector<std::size_t>* indices, std::size_t count) {
                std::vector<const std::string*> parts;
                const syn::DateTime* updated = nullptr;
                for (std::size_t k = 0; k < count; ++k) {
                    const std::size_t i = indices ? (*indices)[k] : k;
                    if (!updated) updated = &plan.newest_first[i]->updated;
                    parts.push_back(&written[i]);
                }
                return syn::write_document(info, updated, parts);
            };
            syn::FeedInfo current = feed;
            if (!plan.months.empty()) current.prev_archive = syn::archive_path(plan.months.front().first);
            docs.emplace_back("/atom.xml",
                              document(current, nullptr, std::min(plan.newest_first.size(), feed.max_entries)));
            for (std::size_t i = 0; i < plan.months.size(); ++i) {
                syn::FeedInfo archive = feed;
                archive.is_archive = true;
                archive.self_path = syn::archive_path(plan.months[i].first);
                if (i + 1 < plan.months.size()) archive.prev_archive = syn::archive_path(plan.months[i + 1].first);
                if (i > 0) archive.next_archive = syn::archive_path(plan.months[i - 1].first);
                docs.emplace_back(archive.self_path,
                                  document(archive, &plan.months[i].second, plan.months[i].second.size()));
            }
        } catch (const std::invalid_argument& e) {
            throw SourceError(settings_.settings_file, 0, std::string("[feed] ") + e.what());
        }
        return docs;
    }

    void add_feeds(const std::vector<syn::Entry>& entries) {
        if (const auto it = served_.find("/atom.xml"); it != served_.end())
            throw SourceError(it->second, 0, "/atom.xml is the generated Atom feed; rename this file");
        if (const auto below = served_below("/atom/"))
            throw SourceError(*below, 0, "/atom/ holds the generated feed archives; rename this directory");
        capsule_->set_entry_count(std::min<std::size_t>(entries.size(), settings_.feed.max_entries));
        const FeedPlan plan = plan_feed(entries);
        // The first host's entries are written as the mirror's feed writes them too (same
        // base_url and mirror_url: only the documents' own links differ).
        std::vector<std::string> first_host_entries;
        for (std::size_t h = 0; h < settings_.hostnames.size(); ++h) {
            const std::string& host = settings_.hostnames[h];
            syn::FeedInfo feed = feed_info();
            feed.base_url = gemini::base_url(host, settings_.public_port);
            std::vector<std::string> other_host_entries;
            for (auto& [path, xml] : feed_documents(feed, plan, h == 0 ? first_host_entries : other_host_entries))
                capsule_->add_for_host(host, path, make_response(atom_mime, xml));
        }
        if (settings_.web) {
            syn::FeedInfo feed = feed_info();
            feed.base_url = gemini::base_url(settings_.hostnames.front(), settings_.public_port);
            feed.in_mirror = true;
            for (auto& [path, xml] : feed_documents(feed, plan, first_host_entries))
                mirror_feeds_.emplace_back(path, std::move(xml));
        }
    }

    void add_mirror() {
        const config::WebSettings& web = *settings_.web;
        const auto parsed = gemini::parse_uri(web.base_url);
        const std::string base_path = std::get<gemini::Request>(parsed).path;  // "/" or "/prefix/"
        const std::string gemini_base = gemini::base_url(settings_.hostnames.front(), settings_.public_port);
        std::map<std::string, std::string> written;  // mirror file → what wrote it, for clashes
        auto add = [&](std::string file, std::string bytes, const std::string& by) {
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
                if (before && *before == made_from && served && served->body() == page.gemtext &&
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
        for (const auto& [path, body] : texts_) add(path.substr(1), std::string(body), path);
        for (const auto& [path, file] : statics_) add(path.substr(1), file->bytes, path);
        for (const auto& [path, xml] : mirror_feeds_) add(path.substr(1), xml, path);
        for (const MirrorRedirect& r : mirror_redirects_) {
            const std::string target = gemini::absolute_url(web.base_url, "/" + mirror_file(r.to));
            add(mirror_file(r.from), web::redirect_page(target, r.lang, r.title), r.from);
        }
    }

    void warn_about_shared_instants(const std::vector<syn::Entry>& entries) {
        std::map<std::string, std::string> files;  // entry path → the file it is from
        for (const Document& doc : documents_) files[doc.gmi_path] = doc.display;
        std::map<syn::UtcKey, const syn::Entry*> seen;
        for (const syn::Entry& e : entries) {
            const auto [it, inserted] = seen.try_emplace(syn::utc_sort_key(e.updated), &e);
            if (!inserted)
                capsule_->add_warning(files[e.path] + ": its entry shares the updated instant " +
                                      syn::to_rfc3339(e.updated) + " with " + files[it->second->path] +
                                      "'s; feed validators warn and readers may order them arbitrarily: give each "
                                      "its own (published or updated with a time)");
        }
    }

    const MimeTable& mime_;
    const BuildSettings& settings_;
    std::shared_ptr<Capsule> capsule_ = std::make_shared<Capsule>();
    std::map<std::string, std::string> served_;  // path → the file that serves it
    std::unordered_map<std::string_view, const SourceFile*> previous_files_;  // the previous build's, by display
    std::vector<Document> documents_;
    /// Gemtext files without front matter that hold a {{ entries }} line.
    struct ListingPage {
        std::string path;
        std::string directory;  // "/dir/" when it is that directory's index.gmi
        const SourceFile* file;
    };
    std::vector<ListingPage> listing_pages_;
    // For the mirror (with [web] only).
    std::vector<Page> pages_;
    std::vector<std::pair<std::string, std::string_view>> texts_;  // a plain document's .txt path → its text
    std::vector<std::pair<std::string, const SourceFile*>> statics_;
    std::vector<std::pair<std::string, std::string>> mirror_feeds_;
    struct MirrorRedirect {
        std::string from, to, lang, title;
    };
    std::vector<MirrorRedirect> mirror_redirects_;
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
    return Builder(mime, settings).run(tree);
}

}  // namespace kapsel::capsule
