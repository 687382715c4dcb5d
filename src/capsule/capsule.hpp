#pragma once
/// The capsule in memory: every servable path mapped to its prebuilt response.

#include <cstddef>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "capsule/sharded_map.hpp"
#include "config/config.hpp"

namespace kapsel::capsule {

/// A capsule file that cannot be served; what() is "PATH:LINE: message" (or "PATH: message").
class SourceError : public std::runtime_error {
public:
    SourceError(std::string path, int line, const std::string& message);
    const std::string& path() const noexcept { return path_; }
    int line() const noexcept { return line_; }
    const std::string& message() const noexcept { return message_; }  // without "PATH:LINE: "

private:
    std::string path_;
    int line_;
    std::string message_;
};

/// A complete response, header line and body in one buffer, so it goes out in one write.
struct Response {
    std::string bytes;
    std::size_t header_size = 0;
    std::string_view body() const { return std::string_view(bytes).substr(header_size); }
};

/// Where a path that is no page sends the client (front matter aliases, [[redirect]]).
struct Redirect {
    std::string target;     // a decoded capsule path, or an absolute gemini:// URL
    bool permanent = true;  // 31, else 30
    std::string rest;       // a prefix rule's: the rest of the request's path, decoded, to append
};

/// The static web mirror's files: paths relative to the export directory ("index.html",
/// "artiklar/tryggt-umea.html", "atom.xml") and their bytes.
using MirrorFiles = std::map<std::string, std::shared_ptr<const std::string>, std::less<>>;

/// What one page of the web mirror was made from besides its gemtext (which is the page's own
/// response), so the next build can take the page as it is when none of it changed.
struct MirrorPageSource {
    std::string page_path;  // the capsule path it renders ("/", "/a.gmi")
    std::string lang;
    std::string title;
    friend bool operator==(const MirrorPageSource&, const MirrorPageSource&) = default;
};

struct SourceTree;        // source_tree.hpp
struct DocumentProducts;      // build.hpp
struct FeedDocumentProducts;  // build.hpp
struct BuildState;            // build.hpp

/// Everything servable, built once per load. Immutable after loading; shared between
/// threads through std::shared_ptr<const Capsule>. A copy shares the large tables with the
/// original (ShardedMap) and is changed where a reload changed something (build.cpp's patch).
class Capsule {
public:
    /// The response for a normalised, decoded path ("/", "/notes/", "/a.gmi"), for a served
    /// host (lower case). Directories are keyed with their trailing slash and answer with
    /// their index.gmi. nullptr when nothing is there.
    const Response* find(std::string_view host, std::string_view path) const;
    /// The response for `path` shared by every host, as held (null when there is none).
    std::shared_ptr<const Response> shared_response(const std::string& path) const;

    /// True when `path` (without trailing slash) names a directory, so "/dir" → 31 "/dir/".
    bool is_directory(std::string_view path) const;

    /// Where `path` is redirected: an exact rule first, then the longest prefix rule (with the
    /// rest of the path in `rest`); nullopt when it is not.
    std::optional<Redirect> redirect_for(std::string_view path) const;
    /// True when `path` is gone (52): exactly, or below a gone prefix.
    bool is_gone(std::string_view path) const;

    /// The web mirror's files (empty without [web]).
    const MirrorFiles& mirror() const { return mirror_; }
    /// What the mirror file `file` (a page) was made from; nullptr for other files.
    const MirrorPageSource* mirror_page_source(std::string_view file) const;
    /// What of the settings every mirror page depends on (base URL, host names, …).
    const std::string& mirror_settings() const { return mirror_settings_; }
    /// What the build found worth saying but not worth refusing ("PATH: …").
    const std::vector<std::string>& warnings() const { return warnings_; }

    /// What the next load may reuse (BuildSettings::previous): the files as they were read,
    /// and what each document file was made into (its parse, page, plain text and Atom entry),
    /// by the name messages give it (SourceFile::display); null when it is no document here.
    const std::shared_ptr<const SourceTree>& source() const { return source_; }
    const DocumentProducts* document_products(const std::string& display) const;
    /// And each feed document as written, by "HOST PATH" (the mirror's by "web PATH").
    const FeedDocumentProducts* feed_document(const std::string& key) const;
    /// What the build knew of the whole tree, for the next build to patch this capsule with
    /// (null when it cannot: see build.cpp).
    const std::shared_ptr<const BuildState>& build_state() const { return build_state_; }

    /// Every prebuilt response and every other answer the capsule gives, written out line by
    /// line in a fixed order ("HOST PATH" and the response's bytes; directories, redirects,
    /// gone paths, warnings): two capsules that serve the same describe the same. For tests.
    std::map<std::string, std::string> describe() const;

    /// Number of distinct resources, for the start-up summary.
    std::size_t size() const { return shared_.size(); }
    std::size_t entry_count() const { return entry_count_; }

    // Building (used by the loader and by tests).
    void add(std::string path, Response response);
    /// The same response shared, not copied: by two paths ("/dir/" and "/dir/index.gmi"), or by
    /// this capsule and the previous one when it did not change.
    void add(std::string path, std::shared_ptr<const Response> response);
    void add_for_host(const std::string& host, std::string path, std::shared_ptr<const Response> response);
    /// `path` served no more (for every host).
    void remove(const std::string& path);
    void add_directory(std::string path_without_slash);
    void set_entry_count(std::size_t n) { entry_count_ = n; }
    /// `from` ending in "/" is a prefix rule.
    void add_redirect(std::string from, Redirect redirect);
    void add_gone(std::string path);
    void add_mirror_file(std::string path, std::string bytes);
    void add_mirror_file(std::string path, std::shared_ptr<const std::string> bytes);
    void set_mirror_page_source(std::string file, MirrorPageSource source);
    void set_mirror_settings(std::string settings) { mirror_settings_ = std::move(settings); }
    void add_warning(std::string warning) { warnings_.push_back(std::move(warning)); }
    void set_source(std::shared_ptr<const SourceTree> tree) { source_ = std::move(tree); }
    void remember_document(std::string display, std::shared_ptr<const DocumentProducts> products);
    void remember_feed_document(std::string key, std::shared_ptr<const FeedDocumentProducts> products);
    void forget_document(const std::string& display) { documents_.erase(display); }
    void forget_feed_document(const std::string& key) { feed_documents_.erase(key); }
    void set_build_state(std::shared_ptr<const BuildState> state) { build_state_ = std::move(state); }

private:
    ShardedMap<std::shared_ptr<const Response>> shared_;
    std::map<std::string, std::unordered_map<std::string, std::shared_ptr<const Response>>, std::less<>> per_host_;
    std::unordered_map<std::string, bool> directories_;
    std::unordered_map<std::string, Redirect> redirects_;
    std::vector<std::pair<std::string, Redirect>> prefix_redirects_;  // longest first
    std::unordered_map<std::string, bool> gone_;
    std::vector<std::string> gone_prefixes_;
    MirrorFiles mirror_;
    std::map<std::string, MirrorPageSource, std::less<>> mirror_sources_;
    std::string mirror_settings_;
    std::vector<std::string> warnings_;
    std::size_t entry_count_ = 0;
    std::shared_ptr<const SourceTree> source_;
    ShardedMap<std::shared_ptr<const DocumentProducts>> documents_;
    std::unordered_map<std::string, std::shared_ptr<const FeedDocumentProducts>> feed_documents_;
    std::shared_ptr<const BuildState> build_state_;
};

/// A change to one host's capsule that is not on disk yet: an upload, built before it is
/// written, so that only what builds is ever written.
struct HostEdit {
    std::size_t host = 0;                // index into config.hosts
    std::string rel_dir;                 // "artiklar"
    std::string name;                    // "x.txt"
    std::optional<std::string> bytes;    // the file's new bytes; nullopt: removed
    std::vector<std::string> deleted;    // the host's deleted paths (titan.state_file) with the edit
};

/// What changed on disk since the previous load, as a file watcher saw it: the paths it reported
/// (files or directories, each a watched directory joined with a name), or, with `everything`,
/// unknown (events were lost, or nothing watched): every tree is read whole.
struct DiskChanges {
    bool everything = true;
    std::vector<std::filesystem::path> paths;
};

/// Reads the capsule tree of `host` into memory: static files, documents with front matter
/// converted to gemtext (and their plain text beside them), the generated index list and one
/// Atom feed per host name at /atom.xml. Dot-files are skipped; symlinks that lead outside the
/// root are refused. Throws SourceError naming the file and line for any broken document;
/// nothing is returned half-built. The paths of titan.state_file answer 52. With `edit`, the
/// tree read is changed by it before the build. `previous`, the host's capsule before a reload
/// (or null), lends what did not change (see BuildSettings::previous): the result is the same
/// either way. With `changes` too, only what they name below the root is read from disk again
/// (read_changed_source_tree); the rest of the tree is the previous load's.
std::shared_ptr<const Capsule> load_capsule(const config::HostSettings& host, const config::Config& config,
                                            const HostEdit* edit = nullptr,
                                            std::shared_ptr<const Capsule> previous = nullptr,
                                            const DiskChanges* changes = nullptr);

/// Every host of `config`, loaded in parallel, in the order of config.hosts. When any fails,
/// throws the error of the first (in that order) that did: nothing half-loaded is returned.
/// `previous`: each host's capsule before a reload, by its first name (may be empty).
std::vector<std::shared_ptr<const Capsule>> load_capsules(
    const config::Config& config, const HostEdit* edit = nullptr,
    const std::map<std::string, std::shared_ptr<const Capsule>, std::less<>>& previous = {},
    const DiskChanges* changes = nullptr);

}  // namespace kapsel::capsule
