// build_capsule: every prebuilt response from the files' bytes (see build.hpp).

#include "capsule/build.hpp"

#include <algorithm>
#include <map>

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

bool has_entries_marker(std::string_view gemtext) {
    for (const text::Line& line : text::Lines(gemtext))
        if (line.content == syn::entries_marker) return true;
    return false;
}

// "/dir/" for rel_dir "dir", "/" for the root.
std::string directory_key(const std::string& rel_dir) { return rel_dir.empty() ? "/" : "/" + rel_dir + "/"; }

/// A file with front matter, parsed and waiting for the whole tree to be known.
struct Document {
    std::string display;  // the file as messages name it
    std::string rel_dir;  // "" for the root, "anteckningar", "a/b"
    bool plain = false;   // .txt (converted) rather than .gmi (served as written)
    std::string body;     // as authored, after the front matter
    syn::FrontMatter meta;
    syn::PlainText text;  // plain documents only
    std::string lang;
    std::string gmi_path;
    std::string txt_path;  // plain documents only
};

class Builder {
public:
    Builder(const MimeTable& mime, const BuildSettings& settings) : mime_(mime), settings_(settings) {}

    std::shared_ptr<const Capsule> run(const SourceTree& tree) {
        capsule_->add_directory("");
        for (const std::string& dir : tree.directories) capsule_->add_directory(dir);
        for (const SourceFile& file : tree.files) add_file(file);
        finish_documents();
        return capsule_;
    }

private:
    void claim(const std::string& path, const std::string& display, int line) {
        const auto [it, inserted] = served_.try_emplace(path, display);
        if (!inserted) {
            throw SourceError(display, line, path + " would be served twice: by this file and by " + it->second);
        }
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
        }
        const std::string path = url_dir + name;
        claim(path, file.display, 0);
        if (ext == "gmi" && has_entries_marker(file.bytes)) {
            // A page that lists the entries (a start page without front matter, typically):
            // built once the entries are known.
            listing_pages_.push_back({path, name == "index.gmi" ? url_dir : std::string(), &file});
            if (name == "index.gmi") claim(url_dir, file.display, 0);
            return;
        }
        Response response = make_response(mime_type_for(name, mime_, settings_.lang), file.bytes);
        if (name == "index.gmi") {
            claim(url_dir, file.display, 0);
            capsule_->add(url_dir, response);
        }
        capsule_->add(path, std::move(response));
    }

    void add_document(const SourceFile& file, const std::string& stem, bool plain) {
        const std::string& bytes = file.bytes;
        // Every document may become a feed entry, so XML 1.0's rules apply to all of them.
        if (const auto bad = syn::find_disallowed_xml_char(bytes)) {
            throw SourceError(file.display, text::line_number_at(bytes, bad->offset),
                              "character " + syn::code_point_name(bad->code_point) +
                                  " is not allowed in XML 1.0, so no feed could carry this document");
        }
        Document doc;
        doc.display = file.display;
        doc.rel_dir = file.rel_dir;
        doc.plain = plain;
        try {
            syn::DocumentSource source = syn::parse_document(bytes, stem);
            doc.body = std::string(source.body);
            doc.meta = std::move(source.meta);
            if (plain) doc.text = syn::parse_plain_text(doc.body, source.body_line);
        } catch (const syn::DocumentError& e) {
            throw SourceError(file.display, e.line(), e.what());
        }
        doc.lang = doc.meta.lang.value_or(settings_.lang);
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

    bool syndicated(const Document& doc) const {
        const auto& paths = settings_.feed.paths;  // normalised by parse_config: no slash at either end
        return std::any_of(paths.begin(), paths.end(), [&](const std::string& p) {
            return doc.rel_dir == p || doc.rel_dir.starts_with(p + "/");
        });
    }

    bool exists(const std::string& path) const {
        if (served_.contains(path) || path == "/atom.xml") return true;
        return path.ends_with('/') && capsule_->is_directory(path);
    }

    void finish_documents() {
        // Feed entries: ids are tag:AUTHORITY:SLUG, so slugs are unique among them.
        std::vector<syn::Entry> entries;
        std::map<std::string, const Document*> entry_slugs;
        for (const Document& doc : documents_) {
            if (!syndicated(doc)) continue;
            if (const auto [it, inserted] = entry_slugs.try_emplace(doc.meta.slug, &doc); !inserted) {
                throw SourceError(doc.display, doc.meta.slug_line,
                                  "duplicate slug \"" + doc.meta.slug + "\": feed entry ids need it unique, and " +
                                      it->second->display + " uses it too");
            }
            syn::Entry e;
            e.path = doc.gmi_path;
            e.slug = doc.meta.slug;
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
        const std::string list = syn::render_gemsub_list(entries);

        std::map<std::string, std::string> titles;  // served document path → title, for link labels
        for (const Document& doc : documents_) {
            titles[doc.gmi_path] = doc.meta.title;
            if (!doc.txt_path.empty()) titles[doc.txt_path] = doc.meta.title;
        }

        for (const Document& doc : documents_) {
            syn::PageLinks links;
            for (const syn::RelatedPath& related : doc.meta.related) {
                if (!exists(related.path)) {
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
            if (doc.meta.slug == "index") capsule_->add(directory_key(doc.rel_dir), response);
            capsule_->add(doc.gmi_path, std::move(response));
            if (doc.plain) capsule_->add(doc.txt_path, make_response(plain_text_mime, doc.body));
        }

        for (const ListingPage& page : listing_pages_) {
            const Response response =
                make_response(gemtext_mime(settings_.lang), syn::expand_entries_marker(page.file->bytes, list));
            if (!page.directory.empty()) capsule_->add(page.directory, response);
            capsule_->add(page.path, response);
        }

        add_feeds(std::move(entries));
    }

    void add_feeds(std::vector<syn::Entry> entries) {
        if (const auto it = served_.find("/atom.xml"); it != served_.end()) {
            throw SourceError(it->second, 0, "/atom.xml is the generated Atom feed; rename this file");
        }
        const config::FeedSettings& settings = settings_.feed;
        syn::FeedInfo feed;
        feed.authority = settings.authority;
        feed.title = settings.title;
        feed.subtitle = settings.subtitle;
        feed.author = settings.author;
        feed.lang = settings_.lang;
        feed.max_entries = settings.max_entries;
        capsule_->set_entry_count(std::min<std::size_t>(entries.size(), settings.max_entries));

        for (const std::string& host : settings_.hostnames) {
            feed.base_url = gemini::base_url(host, settings_.public_port);
            std::string xml;
            try {
                xml = syn::write_atom(feed, entries);
            } catch (const std::invalid_argument& e) {
                throw SourceError(settings_.settings_file, 0, std::string("[feed] ") + e.what());
            }
            capsule_->add_for_host(host, "/atom.xml", make_response(atom_mime, xml));
        }
    }

    const MimeTable& mime_;
    const BuildSettings& settings_;
    std::shared_ptr<Capsule> capsule_ = std::make_shared<Capsule>();
    std::map<std::string, std::string> served_;  // path → the file that serves it
    std::vector<Document> documents_;
    /// Gemtext files without front matter that hold a {{ entries }} line.
    struct ListingPage {
        std::string path;
        std::string directory;  // "/dir/" when it is that directory's index.gmi
        const SourceFile* file;
    };
    std::vector<ListingPage> listing_pages_;
};

}  // namespace

BuildSettings build_settings(const config::HostSettings& host, const config::Config& config) {
    BuildSettings s;
    s.lang = host.lang;
    s.feed = host.feed;
    s.hostnames = host.names;
    s.public_port = config.server.public_port;
    s.settings_file = config.file.string();
    return s;
}

std::shared_ptr<const Capsule> build_capsule(const SourceTree& tree, const MimeTable& mime,
                                             const BuildSettings& settings) {
    return Builder(mime, settings).run(tree);
}

}  // namespace kapsel::capsule
