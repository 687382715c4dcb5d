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
#include <vector>

#include "capsule/capsule.hpp"
#include "capsule/source_tree.hpp"
#include "config/config.hpp"

namespace kapsel::capsule {
namespace {

namespace fs = std::filesystem;

class TempDir {
public:
    TempDir() {
        std::string tmpl = (fs::temp_directory_path() / "kapsel-incremental-XXXXXX").string();
        if (!mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
        path_ = tmpl;
    }
    ~TempDir() {
        std::error_code ec;
        fs::remove_all(path_, ec);
    }
    const fs::path& path() const { return path_; }

private:
    fs::path path_;
};

void write(const fs::path& p, const std::string& content) {
    fs::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary | std::ios::trunc) << content;
}

config::Config make_config(const fs::path& root) {
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
    h.web = config::WebSettings{root / "mirror", "https://kapsel.example/"};
    h.titan.state_file = root / "deleted";
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
        write(root_ / "index.gmi", "# Start\n\n{{ entries }}\n");
        write(root_ / "om.gmi", "# Om\n\n=> artiklar/a1.gmi Den första\n");
        write(root_ / "media" / "bild-0.png", "\x89PNG\r\n\x1a\nfirst");
        for (int i = 1; i <= 6; ++i) add(i);
    }

    Step random_step(std::mt19937& rng) {
        const auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<unsigned>(n)); };
        if (broken_) {  // a broken file is mended (or removed) before anything else goes wrong
            broken_ = false;
            if (pick(2)) {
                write(path_of(broken_id_), article(broken_id_, ++versions_[broken_id_], 3));
                return {"mend a" + std::to_string(broken_id_)};
            }
            fs::remove(path_of(broken_id_));
            versions_.erase(broken_id_);
            return {"remove broken a" + std::to_string(broken_id_)};
        }
        switch (pick(10)) {
            case 0: add(next_id_); return {"add a" + std::to_string(next_id_ - 1)};
            case 1:
            case 2: {
                const int id = some(rng);
                write(path_of(id), article(id, ++versions_[id], 1 + pick(12)));
                return {"edit a" + std::to_string(id)};
            }
            case 3: {  // the same number of bytes, one of them different
                const int id = some(rng);
                std::ifstream in(path_of(id), std::ios::binary);
                std::string bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
                const auto at = bytes.rfind("Stycke ");
                bytes[at + 7] = bytes[at + 7] == '9' ? '1' : static_cast<char>(bytes[at + 7] + 1);
                write(path_of(id), bytes);
                return {"same-size edit a" + std::to_string(id)};
            }
            case 4: {  // renamed: a new name, the same bytes
                const int id = some(rng);
                const int to = next_id_++;
                fs::rename(path_of(id), path_of(to));
                versions_[to] = versions_[id];
                versions_.erase(id);
                return {"rename a" + std::to_string(id) + " to a" + std::to_string(to)};
            }
            case 5: {
                if (versions_.size() <= 2) return {"nothing"};
                const int id = some(rng);
                fs::remove(path_of(id));
                versions_.erase(id);
                return {"delete a" + std::to_string(id)};
            }
            case 6: {
                const int id = some(rng);
                write(path_of(id), "+++\ntitle = \"Trasig\"\npublished = 2024-13-45\n+++\nTrasig\n");
                broken_ = true;
                broken_id_ = id;
                return {"break a" + std::to_string(id), true};
            }
            case 7:
                write(root_ / "index.gmi", "# Start " + std::to_string(pick(1000)) + "\n\n{{ entries }}\n");
                return {"edit the start page"};
            case 8:  // a static file: its bytes are not kept between loads, so always read again
                write(root_ / "media" / ("bild-" + std::to_string(pick(3)) + ".png"),
                      "\x89PNG\r\n\x1a\n" + std::string(static_cast<std::size_t>(1 + pick(64)), static_cast<char>('a' + pick(26))));
                return {"write an image in media/"};
            default:
                write(root_ / "sidor" / ("s" + std::to_string(pick(4)) + ".gmi"), "# Sida " + std::to_string(pick(100)) + "\n");
                return {"write a page in sidor/"};
        }
    }

private:
    fs::path path_of(int id) const { return root_ / "artiklar" / ("a" + std::to_string(id) + ".txt"); }
    void add(int id) {
        versions_[id] = 1;
        write(path_of(id), article(id, 1, 1 + id % 12));
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

TEST(IncrementalLoad, ServesExactlyWhatAFullLoadServesAfterEveryStep) {
    for (const unsigned seed : {1u, 2u, 3u, 4u, 5u}) {
        TempDir dir;
        Capsule_ tree(dir.path());
        const config::Config config = make_config(dir.path());
        std::mt19937 rng(seed);
        std::shared_ptr<const Capsule> serving = full_load(config);
        ASSERT_NE(serving, nullptr);
        std::string history;
        for (int i = 0; i < 40; ++i) {
            const Step step = tree.random_step(rng);
            history += " / " + step.what;
            const std::string where = "seed " + std::to_string(seed) + ", step " + std::to_string(i) + ":" + history;
            const auto full = full_load(config);
            const auto incremental = load_after(config, serving);
            ASSERT_EQ(full == nullptr, step.broken) << where;
            ASSERT_EQ(incremental == nullptr, step.broken) << where << " (the incremental load disagrees)";
            if (step.broken) continue;  // as a failed reload: the previous capsule stays in use
            expect_same(*full, *incremental, where);
            if (::testing::Test::HasFailure()) return;
            serving = incremental;
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
