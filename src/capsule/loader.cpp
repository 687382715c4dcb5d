// load_capsule: walks the capsule root once and prebuilds every response (see capsule.hpp).

#include <algorithm>
#include <fstream>
#include <iterator>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <system_error>

#include "capsule/capsule.hpp"
#include "capsule/mime_types.hpp"
#include "gemini/status.hpp"
#include "gemini/utf8.hpp"
#include "syndication/atom_writer.hpp"
#include "syndication/document_error.hpp"
#include "syndication/entry.hpp"
#include "syndication/front_matter.hpp"
#include "syndication/gemsub_index.hpp"
#include "syndication/gemtext.hpp"
#include "syndication/plain_text.hpp"
#include "syndication/text_position.hpp"
#include "syndication/url_path.hpp"
#include "syndication/xml_text.hpp"

namespace kapsel::capsule {
namespace {

namespace fs = std::filesystem;
namespace syn = kapsel::syndication;

Response make_response(std::string_view mime, std::string_view body) {
    Response r;
    r.bytes = gemini::response_header(gemini::Status::success, mime);
    r.header_size = r.bytes.size();
    r.bytes.append(body);
    return r;
}

std::string lower(std::string s) {
    for (char& c : s) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    return s;
}

// "/dir/" for rel_dir "dir", "/" for the root.
std::string directory_key(const std::string& rel_dir) { return rel_dir.empty() ? "/" : "/" + rel_dir + "/"; }

bool is_within(const fs::path& root, const fs::path& target) {
    auto r = root.begin(), t = target.begin();
    for (; r != root.end(); ++r, ++t) {
        if (t == target.end() || *r != *t) return false;
    }
    return true;
}

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

class Loader {
public:
    explicit Loader(const config::Config& config) : config_(config) {
        const std::string file = config.file.empty() ? std::string("server.toml") : config.file.string();
        config_display_ = file;
        mime_ = builtin_mime_types();
        if (std::ifstream in{"/etc/mime.types"}) {
            const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
            for (auto& [ext, type] : parse_mime_types(text)) mime_.insert_or_assign(ext, type);
        }
    }

    std::shared_ptr<const Capsule> run() {
        const fs::path& root = config_.capsule.root;
        std::error_code ec;
        if (!fs::is_directory(root, ec)) throw SourceError(root.string(), 0, "capsule root is not a directory");
        canonical_root_ = fs::canonical(root, ec);
        if (ec) throw SourceError(root.string(), 0, "cannot resolve the capsule root: " + ec.message());

        capsule_->add_directory("");
        walk(canonical_root_, root, "", {canonical_root_});
        finish_documents();
        return capsule_;
    }

private:
    void walk(const fs::path& dir, const fs::path& display_dir, const std::string& rel_dir,
              std::vector<fs::path> ancestors) {
        std::vector<fs::directory_entry> entries;
        std::error_code ec;
        for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) entries.push_back(*it);
        if (ec) throw SourceError(display_dir.string(), 0, "cannot read directory: " + ec.message());
        std::sort(entries.begin(), entries.end(),
                  [](const auto& a, const auto& b) { return a.path().filename() < b.path().filename(); });

        for (const fs::directory_entry& entry : entries) {
            const std::string name = entry.path().filename().string();
            if (name.starts_with('.')) continue;  // dot-files and dot-directories are private
            const fs::path display = display_dir / name;
            const std::string rel = rel_dir.empty() ? name : rel_dir + "/" + name;

            fs::path target = entry.path();
            if (entry.is_symlink(ec)) {
                target = fs::canonical(entry.path(), ec);
                if (ec) throw SourceError(display.string(), 0, "broken symbolic link");
                if (!is_within(canonical_root_, target)) {
                    throw SourceError(display.string(), 0,
                                      "symbolic link leads outside the capsule root (to " + target.string() + ")");
                }
            }
            if (fs::is_directory(target, ec)) {
                if (std::find(ancestors.begin(), ancestors.end(), target) != ancestors.end())
                    throw SourceError(display.string(), 0, "symbolic link loops back to a directory that contains it");
                capsule_->add_directory("/" + rel);
                auto below = ancestors;
                below.push_back(target);
                walk(target, display, rel, std::move(below));
            } else if (fs::is_regular_file(target, ec)) {
                load_file(target, display.string(), rel_dir, name);
            }
            // Sockets, FIFOs and devices are never content.
        }
    }

    void claim(const std::string& path, const std::string& display, int line) {
        const auto [it, inserted] = served_.try_emplace(path, display);
        if (!inserted) {
            throw SourceError(display, line, path + " would be served twice: by this file and by " + it->second);
        }
    }

    void load_file(const fs::path& file, const std::string& display, const std::string& rel_dir,
                   const std::string& name) {
        std::ifstream in(file, std::ios::binary);
        if (!in) throw SourceError(display, 0, "cannot open file");
        std::string bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
        if (in.bad()) throw SourceError(display, 0, "cannot read file");

        const std::string url_dir = rel_dir.empty() ? "/" : "/" + rel_dir + "/";
        const std::size_t dot = name.rfind('.');
        const std::string ext = dot == std::string::npos ? std::string() : lower(name.substr(dot + 1));
        const bool text = ext == "gmi" || ext == "txt";

        if (text) {
            if (const auto bad = gemini::find_invalid_utf8(bytes)) {
                throw SourceError(display, syn::line_number_at(bytes, *bad), "invalid UTF-8");
            }
            if (syn::has_front_matter(bytes)) {
                load_document(std::move(bytes), display, rel_dir, name.substr(0, dot), ext == "txt");
                return;
            }
        }
        const std::string path = url_dir + name;
        claim(path, display, 0);
        Response response = make_response(mime_type_for(name, mime_, config_.capsule.lang), bytes);
        if (name == "index.gmi") {
            claim(url_dir, display, 0);
            capsule_->add(url_dir, response);
        }
        capsule_->add(path, std::move(response));
    }

    void load_document(std::string bytes, const std::string& display, const std::string& rel_dir,
                       const std::string& stem, bool plain) {
        // Every document may become a feed entry, so XML 1.0's rules apply to all of them.
        if (const auto bad = syn::find_disallowed_xml_char(bytes)) {
            throw SourceError(display, syn::line_number_at(bytes, bad->offset),
                              "character " + syn::code_point_name(bad->code_point) +
                                  " is not allowed in XML 1.0, so no feed could carry this document");
        }
        Document doc;
        doc.display = display;
        doc.rel_dir = rel_dir;
        doc.plain = plain;
        try {
            syn::DocumentSource source = syn::parse_document(bytes, stem);
            doc.body = std::string(source.body);
            doc.meta = std::move(source.meta);
            if (plain) doc.text = syn::parse_plain_text(doc.body, source.body_line);
        } catch (const syn::DocumentError& e) {
            throw SourceError(display, e.line(), e.what());
        }
        doc.lang = doc.meta.lang.value_or(config_.capsule.lang);
        const std::string url_dir = rel_dir.empty() ? "/" : "/" + rel_dir + "/";
        doc.gmi_path = url_dir + doc.meta.slug + ".gmi";
        if (plain) doc.txt_path = url_dir + doc.meta.slug + ".txt";

        for (const std::string* path : {&doc.gmi_path, &doc.txt_path}) {
            if (path->empty()) continue;
            if (const auto it = served_.find(*path); it != served_.end()) {
                throw SourceError(display, doc.meta.slug_line,
                                  "duplicate slug \"" + doc.meta.slug + "\": " + *path + " is already served by " +
                                      it->second);
            }
            claim(*path, display, doc.meta.slug_line);
        }
        if (doc.meta.slug == "index") claim(url_dir, display, doc.meta.slug_line);
        documents_.push_back(std::move(doc));
    }

    bool syndicated(const Document& doc) const {
        return std::any_of(config_.feed.paths.begin(), config_.feed.paths.end(), [&](std::string p) {
            while (!p.empty() && p.front() == '/') p.erase(p.begin());
            while (!p.empty() && p.back() == '/') p.pop_back();
            return p.empty() || doc.rel_dir == p || doc.rel_dir.starts_with(p + "/");
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
            const std::string page = doc.plain ? syn::render_gemtext(doc.meta, doc.text, links)
                                               : syn::expand_entries_marker(doc.body, list);
            Response response = make_response(gemtext_mime(doc.lang), page);
            if (doc.meta.slug == "index") capsule_->add(directory_key(doc.rel_dir), response);
            capsule_->add(doc.gmi_path, std::move(response));
            if (doc.plain) capsule_->add(doc.txt_path, make_response(plain_text_mime, doc.body));
        }

        add_feeds(std::move(entries));
    }

    void add_feeds(std::vector<syn::Entry> entries) {
        if (const auto it = served_.find("/atom.xml"); it != served_.end()) {
            throw SourceError(it->second, 0, "/atom.xml is the generated Atom feed; rename this file");
        }
        const config::FeedSettings& settings = config_.feed;
        if (settings.authority.empty()) {
            throw SourceError(config_display_, 0,
                              "[feed] authority is not set: the feed's id needs it (e.g. \"example.org,2023\")");
        }
        syn::FeedInfo feed;
        feed.authority = settings.authority;
        feed.title = settings.title;
        if (feed.title.empty()) {
            for (const Document& doc : documents_) {
                if (doc.gmi_path == "/index.gmi") feed.title = doc.meta.title;
            }
        }
        if (feed.title.empty()) feed.title = config_.server.hostnames.empty() ? "kapsel" : config_.server.hostnames.front();
        feed.subtitle = settings.subtitle;
        feed.author = settings.author;
        feed.lang = config_.capsule.lang;
        feed.max_entries = settings.max_entries;
        capsule_->set_entry_count(std::min<std::size_t>(entries.size(), settings.max_entries));

        for (const std::string& host : config_.server.hostnames) {
            feed.base_url = syn::base_url(host, config_.server.public_port);
            std::string xml;
            try {
                xml = syn::write_atom(feed, entries);
            } catch (const std::invalid_argument& e) {
                throw SourceError(config_display_, 0, std::string("[feed] ") + e.what());
            }
            capsule_->add_for_host(host, "/atom.xml", make_response(atom_mime, xml));
        }
    }

    const config::Config& config_;
    std::string config_display_;
    MimeTable mime_;
    fs::path canonical_root_;
    std::shared_ptr<Capsule> capsule_ = std::make_shared<Capsule>();
    std::map<std::string, std::string> served_;  // path → the file that serves it
    std::vector<Document> documents_;
};

}  // namespace

std::shared_ptr<const Capsule> load_capsule(const config::Config& config) { return Loader(config).run(); }

}  // namespace kapsel::capsule
