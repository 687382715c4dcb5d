// The property the reload's reuse must keep: a load given the previous capsule (which takes the
// bytes of files whose stamps did not change and the parse of documents whose bytes did not
// change) serves exactly what a full load of the same tree serves: every response, every feed
// and archive, the web mirror, redirects, gone paths and warnings. Random sequences of adds,
// edits (also of the same size), renames, broken edits, deletes and directory changes, several
// seeds; a broken step must fail both ways and leave the previous capsule in use, as a reload.

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "capsule/build.hpp"
#include "capsule/capsule.hpp"
#include "capsule/source_tree.hpp"
#include "config/config.hpp"
#include "temp_dir.hpp"

namespace kapsel::capsule {
namespace {

namespace fs = std::filesystem;

using test_support::TempDir;

void write(const fs::path& p, const std::string& content) {
    fs::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary | std::ios::trunc) << content;
}

// With `web`, the mirror too; without, a build can patch the previous capsule (build.cpp's Patch).
config::Config make_config(const fs::path& root, bool web) {
    config::Config c;
    c.file = "server.toml";
    config::HostSettings& h = c.hosts.front();
    h.root = root / "capsule";
    h.lang = "sv";
    h.names = {"localhost", "kapsel.example"};
    h.feed.title = "Anteckningar";
    h.feed.authority = "kapsel.example,2023";
    h.feed.author = "kapsel";
    h.feed.paths = {"artiklar"};
    h.feed.max_entries = 5;  // fewer than the articles: the feed's cut and the archives matter
    if (web) h.web = config::WebSettings{root / "mirror", "https://kapsel.example/"};
    h.titan.state_file = root / "deleted";
    // Rules that changes below them must respect: a page moved, a directory moved whole.
    h.redirects = {{"/gammal.gmi", "/om.gmi", true, {1, 1}}, {"/arkiv/", "/artiklar/", false, {5, 1}}};
    return c;
}

std::string article(int id, int version, int month) {
    return "+++\ntitle = \"Artikel " + std::to_string(id) + " v" + std::to_string(version) +
           "\"\npublished = 2024-" + (month < 10 ? "0" : "") + std::to_string(month) + "-0" + std::to_string(1 + id % 9) +
           "T10:00:00Z\n+++\nArtikel " + std::to_string(id) + "\n\nStycke " + std::to_string(version) + ".\n";
}

/// What one step did, for the failure message.
struct Step {
    std::string what;
    bool broken = false;
};

class Capsule_ {
public:
    explicit Capsule_(const fs::path& root) : root_(root / "capsule") {
        // (borttagen.txt and gamla-lankar.txt: see random_step)
        put(root_ / "index.gmi", "# Start\n\n{{ entries }}\n");
        put(root_ / "om.gmi", "# Om\n\n=> artiklar/a1.gmi Den första\n");
        put(root_ / "media" / "bild-0.png", "\x89PNG\r\n\x1a\nfirst");
        for (int i = 1; i <= 6; ++i) add(i);
        // Pages made from more than their own file: a converted page whose related links carry
        // another article's title, a gemtext document that holds the list, one in its own language.
        put(root_ / "artiklar" / "k.txt", core(1));
        put(root_ / "artiklar" / "l.txt",
              "+++\ntitle = \"Länkar\"\npublished = 2024-06-15T08:00:00Z\n"
              "related = [\"/artiklar/k.gmi\", \"/om.gmi\"]\naliases = [\"/artiklar/gamla-lankar.gmi\"]\n+++\n"
              "Länkar\n\nSe nedan.\n");
        // An upload deleted /artiklar/borttagen.gmi: it answers 52 until something serves it again.
        put(root / "deleted", "/artiklar/borttagen.gmi\n/artiklar/borttagen.txt\n");
        put(root_ / "artiklar" / "lista.gmi",
              "+++\ntitle = \"Lista\"\npublished = 2024-06-16T08:00:00Z\n+++\n# Lista\n\n{{ entries }}\n");
        note(1);
    }

    bool broken() const { return broken_ || !broken_file_.empty(); }

    /// Every path written, removed or renamed since forget_touched(), as a watcher reports them.
    const std::vector<fs::path>& touched() const { return touched_; }
    void forget_touched() { touched_.clear(); }

    Step random_step(std::mt19937& rng) {
        const auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<unsigned>(n)); };
        if (!broken_file_.empty()) {  // a file that must not be there goes again
            drop(root_ / broken_file_);
            return {"remove " + std::exchange(broken_file_, {})};
        }
        if (broken_) {  // a broken file is mended (or removed) before anything else goes wrong
            broken_ = false;
            if (pick(2)) {
                put(path_of(broken_id_), article(broken_id_, ++versions_[broken_id_], 3));
                return {"mend a" + std::to_string(broken_id_)};
            }
            drop(path_of(broken_id_));
            versions_.erase(broken_id_);
            return {"remove broken a" + std::to_string(broken_id_)};
        }
        switch (pick(12)) {
            case 0: add(next_id_); return {"add a" + std::to_string(next_id_ - 1)};
            case 1:
            case 2: {
                const int id = some(rng);
                put(path_of(id), article(id, ++versions_[id], 1 + pick(12)));
                return {"edit a" + std::to_string(id)};
            }
            case 3: {  // the same number of bytes, one of them different
                const int id = some(rng);
                std::ifstream in(path_of(id), std::ios::binary);
                std::string bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
                const auto at = bytes.rfind("Stycke ");
                bytes[at + 7] = bytes[at + 7] == '9' ? '1' : static_cast<char>(bytes[at + 7] + 1);
                put(path_of(id), bytes);
                return {"same-size edit a" + std::to_string(id)};
            }
            case 4: {  // renamed: a new name, the same bytes
                const int id = some(rng);
                const int to = next_id_++;
                move(path_of(id), path_of(to));
                versions_[to] = versions_[id];
                versions_.erase(id);
                return {"rename a" + std::to_string(id) + " to a" + std::to_string(to)};
            }
            case 5: {
                if (versions_.size() <= 2) return {"nothing"};
                const int id = some(rng);
                drop(path_of(id));
                versions_.erase(id);
                return {"delete a" + std::to_string(id)};
            }
            case 6: {
                const int id = some(rng);
                put(path_of(id), "+++\ntitle = \"Trasig\"\npublished = 2024-13-45\n+++\nTrasig\n");
                broken_ = true;
                broken_id_ = id;
                return {"break a" + std::to_string(id), true};
            }
            case 7:
                put(root_ / "index.gmi", "# Start " + std::to_string(pick(1000)) + "\n\n{{ entries }}\n");
                return {"edit the start page"};
            case 9:
                put(root_ / "artiklar" / "k.txt", core(2 + pick(100)));
                return {"retitle k, which l links to"};
            case 10:
                switch (pick(5)) {
                    case 0:  // where a [[redirect]] comes from: refused (it would hide the page)
                        broken_file_ = "gammal.gmi";
                        put(root_ / broken_file_, "# Gammal\n");
                        return {"write gammal.gmi, which a [[redirect]] moves", true};
                    case 1:  // where an alias is: refused
                        broken_file_ = "artiklar/gamla-lankar.txt";
                        put(root_ / broken_file_, article(99, 1, 3));
                        return {"write the path of l's alias", true};
                    case 2:  // a deleted path served again, or deleted again
                        if (fs::exists(root_ / "artiklar" / "borttagen.txt")) {
                            drop(root_ / "artiklar" / "borttagen.txt");
                            return {"remove borttagen.txt (deleted by an upload before)"};
                        }
                        put(root_ / "artiklar" / "borttagen.txt", article(98, 1, 4));
                        return {"write borttagen.txt (deleted by an upload before)"};
                    default:
                        note(2 + pick(100));
                        return {"edit the English note"};
                }
            case 8:  // a static file: its bytes are not kept between loads, so always read again
                put(root_ / "media" / ("bild-" + std::to_string(pick(3)) + ".png"),
                      "\x89PNG\r\n\x1a\n" + std::string(static_cast<std::size_t>(1 + pick(64)), static_cast<char>('a' + pick(26))));
                return {"write an image in media/"};
            default:
                put(root_ / "sidor" / ("s" + std::to_string(pick(4)) + ".gmi"), "# Sida " + std::to_string(pick(100)) + "\n");
                return {"write a page in sidor/"};
        }
    }

private:
    void put(const fs::path& p, const std::string& content) {
        write(p, content);
        touched_.push_back(p);
    }
    void drop(const fs::path& p) {
        fs::remove(p);
        touched_.push_back(p);
    }
    void move(const fs::path& from, const fs::path& to) {
        fs::rename(from, to);
        touched_.push_back(from);
        touched_.push_back(to);
    }

    static std::string core(int version) {
        return "+++\ntitle = \"Kärna v" + std::to_string(version) +
               "\"\npublished = 2024-06-14T08:00:00Z\n+++\nKärna\n\nText.\n";
    }
    void note(int version) {
        put(root_ / "artiklar" / "note.gmi", "+++\ntitle = \"Note " + std::to_string(version) +
                                                   "\"\nlang = \"en\"\npublished = 2024-06-17T08:00:00Z\n+++\n# Note\n\nIn English.\n");
    }
    fs::path path_of(int id) const { return root_ / "artiklar" / ("a" + std::to_string(id) + ".txt"); }
    void add(int id) {
        versions_[id] = 1;
        put(path_of(id), article(id, 1, 1 + id % 12));
        next_id_ = std::max(next_id_, id + 1);
    }
    int some(std::mt19937& rng) const {
        auto it = versions_.begin();
        std::advance(it, static_cast<long>(rng() % versions_.size()));
        return it->first;
    }

    fs::path root_;
    std::map<int, int> versions_;  // article id → its version
    int next_id_ = 1;
    bool broken_ = false;
    int broken_id_ = 0;
    std::string broken_file_;  // a file the build refuses, removed at the next step
    std::vector<fs::path> touched_;
};

// Loads the whole tree from nothing: nullptr when it does not build.
std::shared_ptr<const Capsule> full_load(const config::Config& c) {
    try {
        return load_capsule(c.hosts.front(), c);
    } catch (const std::exception&) {
        return nullptr;
    }
}

std::shared_ptr<const Capsule> load_after(const config::Config& c, std::shared_ptr<const Capsule> previous) {
    try {
        return load_capsule(c.hosts.front(), c, nullptr, std::move(previous));
    } catch (const std::exception&) {
        return nullptr;
    }
}

// The same, reading only `touched` again, as a reload after a watcher's events does.
std::shared_ptr<const Capsule> load_changed(const config::Config& c, std::shared_ptr<const Capsule> previous,
                                            const std::vector<fs::path>& touched) {
    DiskChanges changes;
    changes.everything = false;
    changes.paths = touched;
    try {
        return load_capsule(c.hosts.front(), c, nullptr, std::move(previous), &changes);
    } catch (const std::exception&) {
        return nullptr;
    }
}

void expect_same(const Capsule& full, const Capsule& incremental, const std::string& where) {
    const auto a = full.describe(), b = incremental.describe();
    for (const auto& [key, bytes] : a) {
        const auto it = b.find(key);
        if (it == b.end()) {
            ADD_FAILURE() << where << ": the incremental load lacks " << key;
        } else if (it->second != bytes) {
            ADD_FAILURE() << where << ": " << key << " differs";
        }
    }
    for (const auto& [key, bytes] : b)
        if (!a.contains(key)) ADD_FAILURE() << where << ": the incremental load has " << key << " too";
}

Step change_setting(config::Config& c, int n) {
    config::HostSettings& h = c.hosts.front();
    switch (n % 6) {
        case 0: h.lang = h.lang == "sv" ? "en" : "sv"; return {"capsule.lang = " + h.lang};
        case 1: h.feed.authority = "kapsel.example," + std::to_string(2023 + n); return {"feed.authority changed"};
        case 2:
            if (!h.web) {
                h.feed.subtitle = "Undertitel " + std::to_string(n);
                return {"feed.subtitle changed"};
            }
            h.web->base_url = "https://kapsel.example/" + std::to_string(n) + "/";
            return {"web.base_url changed"};
        case 3: h.feed.title = "Anteckningar " + std::to_string(n); return {"feed.title changed"};
        case 4: h.feed.max_entries = h.feed.max_entries == 5 ? 50 : 5; return {"feed.max_entries changed"};
        default: std::swap(h.names.front(), h.names.back()); return {"the host names swapped"};
    }
}

// The document products of the file `name`, when the capsule has one.
const DocumentProducts* products_of(const Capsule& c, const std::string& name) {
    for (const auto& f : c.source()->files)
        if (f->name == name) return c.document_products(f->display);
    return nullptr;
}

// The property, over five seeds of 60 steps, every other load reading only what changed; counts in `patched` how many loads patched the previous capsule
// (seen as the products of a document no step touches, l.txt, shared with it: a whole build
// makes new ones for every document).
void expect_every_step_served_as_a_full_load_serves(bool web, int& patched) {
    patched = 0;
    for (const unsigned seed : {1u, 2u, 3u, 4u, 5u}) {
        TempDir dir;
        Capsule_ tree(dir.path());
        config::Config config = make_config(dir.path(), web);
        std::mt19937 rng(seed);
        std::shared_ptr<const Capsule> serving = full_load(config);
        ASSERT_NE(serving, nullptr);
        tree.forget_touched();
        std::string history;
        for (int i = 0; i < 60; ++i) {
            // Now and then a setting that pages and entries are made from changes instead (as a
            // reload after an edit of server.toml would see it).
            const Step step = i % 7 == 6 && !tree.broken() ? change_setting(config, i / 7) : tree.random_step(rng);
            history += " / " + step.what;
            const std::string where = "seed " + std::to_string(seed) + ", step " + std::to_string(i) + ":" + history;
            const auto full = full_load(config);
            // Every other load reads only what the steps since the last good one touched (a
            // failed reload's changes are read again by the next), as after a watcher's events.
            const bool watched = i % 2 == 1;
            const auto incremental = watched ? load_changed(config, serving, tree.touched()) : load_after(config, serving);
            ASSERT_EQ(full == nullptr, step.broken) << where;
            ASSERT_EQ(incremental == nullptr, step.broken) << where << " (the incremental load disagrees)";
            if (step.broken) continue;  // as a failed reload: the previous capsule stays in use
            tree.forget_touched();
            expect_same(*full, *incremental, where);
            if (::testing::Test::HasFailure()) return;
            const DocumentProducts* untouched = products_of(*incremental, "l.txt");
            if (untouched && untouched == products_of(*serving, "l.txt")) ++patched;
            serving = incremental;
        }
    }
}

TEST(IncrementalLoad, ServesExactlyWhatAFullLoadServesAfterEveryStep) {
    // With the web mirror, every load is a whole build (given the previous capsule to reuse from).
    int patched = 0;
    expect_every_step_served_as_a_full_load_serves(true, patched);
    EXPECT_EQ(patched, 0);
}

TEST(IncrementalLoad, APatchedCapsuleServesExactlyWhatAFullLoadServes) {
    // Without it, the loads that change only articles patch the previous capsule: most of them.
    int patched = 0;
    expect_every_step_served_as_a_full_load_serves(false, patched);
    EXPECT_GE(patched, 120) << "of 300 loads";  // about 200: the others change settings, the start page, k
}

// The walk takes an unchanged file from the previous tree as it is (the same SourceFile) and
// reads the others, wherever they are in the tree: found by the walk's order when files came or
// went before them. The previous walk is moved into the future here, instead of waiting for the
// files to age past the stamps' granularity.
TEST(IncrementalLoad, TheWalkSharesUnchangedFilesAndReadsChangedOnes) {
    TempDir dir;
    const fs::path root = dir.path() / "c";
    write(root / "a.gmi", "# A\n");
    write(root / "b" / "x.gmi", "# X\n");
    write(root / "b" / "y.gmi", "# Y\n");
    write(root / "b" / "z" / "deep.gmi", "# Djup\n");
    write(root / "c.gmi", "# C\n");
    SourceTree previous = read_source_tree(root);
    previous.read_started_ns += 10'000'000'000;
    const auto index = [](const SourceTree& t, const std::string& rel_dir, const std::string& name) {
        for (std::size_t i = 0; i < t.files.size(); ++i)
            if (t.files[i]->rel_dir == rel_dir && t.files[i]->name == name) return t.files[i];
        return std::shared_ptr<const SourceFile>();
    };

    SourceTree same = read_source_tree(root, &previous);
    ASSERT_EQ(same.files.size(), previous.files.size());
    for (std::size_t i = 0; i < same.files.size(); ++i) EXPECT_EQ(same.files[i], previous.files[i]) << same.files[i]->display;

    write(root / "b" / "y.gmi", "# Y, ny\n");  // edited
    fs::remove(root / "b" / "x.gmi");           // gone: the files after it are not where they were
    write(root / "b" / "w.gmi", "# W\n");       // new, before them all in b/
    const SourceTree next = read_source_tree(root, &previous);
    ASSERT_EQ(next.files.size(), 5u);
    EXPECT_EQ(index(next, "", "a.gmi"), index(previous, "", "a.gmi"));
    EXPECT_EQ(index(next, "b/z", "deep.gmi"), index(previous, "b/z", "deep.gmi"));
    EXPECT_EQ(index(next, "", "c.gmi"), index(previous, "", "c.gmi"));
    EXPECT_EQ(index(next, "b", "y.gmi")->bytes, "# Y, ny\n");
    EXPECT_EQ(index(next, "b", "w.gmi")->bytes, "# W\n");
    EXPECT_EQ(index(next, "b", "x.gmi"), nullptr);
    // In the order a walk from nothing gives.
    const SourceTree fresh = read_source_tree(root);
    for (std::size_t i = 0; i < fresh.files.size(); ++i) EXPECT_EQ(next.files[i]->display, fresh.files[i]->display);
}

// A tree read again only where a watcher reported changes is the tree a whole walk reads, for
// random sequences of writes, new directories (reported as inotify does: the new directory
// alone, not what was made inside it before it could be watched), deletions, renames of files
// and directories, dot-files, and a symbolic link (after which everything is read again).
TEST(IncrementalLoad, ATreeReadWhereChangesWereReportedIsTheWholeWalksTree) {
    for (const unsigned seed : {11u, 12u, 13u, 14u, 15u, 16u}) {
        TempDir dir;
        const fs::path root = dir.path() / "c";
        write(root / "index.gmi", "# Start\n");
        write(root / "a" / "x.gmi", "x");
        write(root / "a" / "b" / "y.gmi", "y");
        SourceTree tree = read_source_tree(root);
        std::mt19937 rng(seed);
        const auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<unsigned>(n)); };
        const std::vector<std::string> dirs = {"", "a", "a/b", "a/b/c", "d", "d/e"};
        std::string history;
        for (int step = 0; step < 40; ++step) {
            std::vector<std::string> reported;
            const auto existing = [&] {  // a file that is there, or ""
                if (tree.files.empty()) return std::string();
                const auto& f = tree.files[static_cast<std::size_t>(pick(static_cast<int>(tree.files.size())))];
                return f->rel_dir.empty() ? f->name : f->rel_dir + "/" + f->name;
            };
            switch (pick(8)) {
                case 0:
                case 1: {  // a file written, in a directory that may be new (reported: its first new directory)
                    const std::string d = dirs[static_cast<std::size_t>(pick(static_cast<int>(dirs.size())))];
                    const std::string rel = (d.empty() ? "" : d + "/") + "f" + std::to_string(pick(4)) + ".gmi";
                    std::string first_new = rel;
                    for (fs::path p = fs::path(rel).parent_path(); !p.empty(); p = p.parent_path())
                        if (!fs::exists(root / p)) first_new = p.string();
                    write(root / rel, "v" + std::to_string(step));
                    reported.push_back(first_new);
                    history += " write " + rel;
                    break;
                }
                case 2: {  // edited in place
                    const std::string rel = existing();
                    if (rel.empty()) break;
                    write(root / rel, "edited " + std::to_string(step));
                    reported.push_back(rel);
                    history += " edit " + rel;
                    break;
                }
                case 3: {
                    const std::string rel = existing();
                    if (rel.empty()) break;
                    fs::remove(root / rel);
                    reported.push_back(rel);
                    history += " rm " + rel;
                    break;
                }
                case 4: {  // renamed within the tree
                    const std::string rel = existing();
                    if (rel.empty()) break;
                    const std::string to = "a/r" + std::to_string(step) + ".gmi";
                    fs::create_directories(root / "a");
                    fs::rename(root / rel, root / to);
                    reported = {rel, to};
                    history += " mv " + rel + " " + to;
                    break;
                }
                case 5: {  // a directory removed or renamed, with all in it
                    const std::string d = dirs[static_cast<std::size_t>(1 + pick(static_cast<int>(dirs.size()) - 1))];
                    if (!fs::exists(root / d)) break;
                    if (pick(2)) {
                        fs::remove_all(root / d);
                        reported.push_back(d);
                        history += " rm -r " + d;
                    } else {
                        const std::string to = "m" + std::to_string(step);
                        fs::rename(root / d, root / to);
                        reported = {d, to};
                        history += " mv " + d + " " + to;
                    }
                    break;
                }
                case 6:
                    reported.push_back(fs::exists(root / "a") ? "a/.hemlig" : "a");  // a new directory is reported
                    write(root / "a" / ".hemlig", "dot");
                    history += " dot-file";
                    break;
                default:
                    if (step > 30 && !fs::exists(root / "l")) {  // late: everything after it is a full read
                        fs::create_directory_symlink("a", root / "l");
                        reported.push_back("l");
                        history += " symlink";
                    }
                    break;
            }
            SourceTree next = read_changed_source_tree(root, tree, reported);
            const SourceTree full = read_source_tree(root);
            const std::string where = "seed " + std::to_string(seed) + ":" + history;
            ASSERT_EQ(next.directories, full.directories) << where;
            ASSERT_EQ(next.files.size(), full.files.size()) << where;
            for (std::size_t i = 0; i < full.files.size(); ++i) {
                ASSERT_EQ(next.files[i]->display, full.files[i]->display) << where;
                ASSERT_EQ(next.files[i]->bytes, full.files[i]->bytes) << where << ": " << full.files[i]->display;
            }
            tree = std::move(next);
        }
    }
}

TEST(IncrementalLoad, AStampIsTrustedOnlyWhenEqualAndOlderThanTheReadByMoreThanATick) {
    FileStamp a{1, 2, 3, 1'000'000'123, 1'000'000'456};
    const std::int64_t read = 2'000'000'000;
    EXPECT_TRUE(may_reuse(a, a, read));
    FileStamp other = a;
    other.size = 4;
    EXPECT_FALSE(may_reuse(a, other, read));
    other = a;
    other.inode = 9;  // replaced by rename
    EXPECT_FALSE(may_reuse(a, other, read));
    other = a;
    other.mtime_ns += 1;
    EXPECT_FALSE(may_reuse(a, other, read));
    // Changed within a tick of the read that took its bytes: those bytes may be older than the stamp.
    EXPECT_FALSE(may_reuse(a, a, a.ctime_ns + 10'000'000));
    EXPECT_TRUE(may_reuse(a, a, a.ctime_ns + 60'000'000));
    // Whole-second stamps: a coarse file system, two seconds of doubt.
    const FileStamp coarse{1, 2, 3, 5'000'000'000, 5'000'000'000};
    EXPECT_FALSE(may_reuse(coarse, coarse, 6'000'000'000));
    EXPECT_TRUE(may_reuse(coarse, coarse, 7'500'000'000));
    // Unknown (a file an upload put in the tree, not read from disk): always read.
    EXPECT_FALSE(may_reuse(FileStamp{}, FileStamp{}, read));
}

}  // namespace
}  // namespace kapsel::capsule
