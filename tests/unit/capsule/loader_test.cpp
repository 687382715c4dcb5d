#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "capsule/capsule.hpp"
#include "temp_dir.hpp"

namespace kapsel::capsule {
namespace {

namespace fs = std::filesystem;

std::string read_file(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

/// A scratch directory for one test, removed afterwards.
using test_support::TempDir;

config::Config make_config(const fs::path& root) {
    config::Config c;
    c.file = "server.toml";
    config::HostSettings& h = c.hosts.front();
    h.root = root;
    h.lang = "sv";
    h.names = {"localhost", "kapsel.example"};
    h.feed.title = "Tryggt och säkert Umeå";
    h.feed.subtitle = "Debattartikeln och anteckningar om den";
    h.feed.authority = "kapsel.example,2023";
    h.feed.author = "kapsel";
    h.feed.paths = {"artiklar", "anteckningar"};
    h.feed.max_entries = 50;
    return c;
}

// The one host of a test's configuration, loaded.
std::shared_ptr<const Capsule> load(const config::Config& c) { return load_capsule(c.hosts.front(), c); }

std::string body_of(const Capsule& c, std::string_view path, std::string_view host = "localhost") {
    const Response* r = c.find(host, path);
    if (!r) {
        ADD_FAILURE() << "not served: " << path;
        return {};
    }
    return std::string(r->body());
}

std::string header_of(const Capsule& c, std::string_view path, std::string_view host = "localhost") {
    const Response* r = c.find(host, path);
    return r ? r->bytes.substr(0, r->header_size) : std::string();
}

// ---------------------------------------------------------------------------------------------
// The capsule shipped in the repository.

class ShippedCapsule : public ::testing::Test {
protected:
    static void SetUpTestSuite() { capsule_ = load(make_config(fs::path(KAPSEL_SOURCE_DIR) / "capsule")); }
    static void TearDownTestSuite() { capsule_.reset(); }
    static std::shared_ptr<const Capsule> capsule_;
};
std::shared_ptr<const Capsule> ShippedCapsule::capsule_;

const std::vector<std::string> note_paths{
    "/anteckningar/kallor.gmi",
    "/anteckningar/lokal-operativ-samverkan.gmi",
    "/anteckningar/om-artikeln.gmi",
    "/anteckningar/tidslinje.gmi",
};

TEST_F(ShippedCapsule, IndexCarriesTheGemsubListNewestFirst) {
    const std::string index = body_of(*capsule_, "/");
    EXPECT_EQ(header_of(*capsule_, "/"), "20 text/gemini; charset=utf-8; lang=sv\r\n");
    EXPECT_TRUE(index.starts_with("# Tryggt och säkert Umeå\n")) << index;
    EXPECT_EQ(index, body_of(*capsule_, "/index.gmi"));
    EXPECT_EQ(index.find("+++"), std::string::npos);
    EXPECT_EQ(index.find("{{ entries }}"), std::string::npos);
    EXPECT_NE(index.find("\n=> /atom.xml "), std::string::npos);
    EXPECT_NE(index.find("\n=> /artiklar/tryggt-umea.gmi "), std::string::npos);
    EXPECT_TRUE(index.ends_with(
        "=> /anteckningar/tidslinje.gmi 2026-11-26 - Tidslinje över det som artikeln nämner\n"
        "=> /anteckningar/lokal-operativ-samverkan.gmi 2026-11-26 - Vad är lokal operativ samverkan (LOS)?\n"
        "=> /anteckningar/kallor.gmi 2026-11-26 - Källorna som artikeln hänvisar till\n"
        "=> /anteckningar/om-artikeln.gmi 2026-11-26 - Om artikeln: författarna och publiceringen\n"
        "=> /artiklar/tryggt-umea.gmi 2023-03-20 - Satsningar på ett tryggt och säkert Umeå ger resultat\n"))
        << index;
}

TEST_F(ShippedCapsule, ArticleIsServedAsGemtextAndAsItsPlainText) {
    std::string seed = read_file(fs::path(KAPSEL_TEST_DATA) / "debatt-tryggt-umea.seed.txt");
    const std::string residue = "\nfacebook Twitter Email";
    ASSERT_TRUE(seed.ends_with(residue));
    seed.resize(seed.size() - residue.size());

    EXPECT_EQ(header_of(*capsule_, "/artiklar/tryggt-umea.txt"), "20 text/plain; charset=utf-8\r\n");
    EXPECT_EQ(body_of(*capsule_, "/artiklar/tryggt-umea.txt"), seed);

    EXPECT_EQ(header_of(*capsule_, "/artiklar/tryggt-umea.gmi"), "20 text/gemini; charset=utf-8; lang=sv\r\n");
    const std::string page = body_of(*capsule_, "/artiklar/tryggt-umea.gmi");
    EXPECT_TRUE(page.starts_with("# Debatt: “Satsningar på ett tryggt och säkert Umeå ger resultat.”\n")) << page;
    std::size_t pos = 0;
    for (std::size_t start = 0; start < seed.size();) {
        const std::size_t nl = seed.find('\n', start);
        const std::string line = seed.substr(start, nl - start);
        start = nl + 1;
        if (line.empty()) continue;
        const std::size_t found = page.find(line, pos);
        ASSERT_NE(found, std::string::npos) << "missing or out of order: " << line;
        pos = found + line.size();
    }
    EXPECT_EQ(page.find("facebook Twitter Email"), std::string::npos);
    for (const auto& note : note_paths) EXPECT_NE(page.find("\n=> " + note + " "), std::string::npos) << note;
}

TEST_F(ShippedCapsule, NotesAreServedAsWrittenWithoutPlainText) {
    for (const auto& note : note_paths) {
        SCOPED_TRACE(note);
        const std::string page = body_of(*capsule_, note);
        EXPECT_TRUE(page.starts_with("# ")) << page;
        EXPECT_NE(page.find("\n=> /artiklar/tryggt-umea.gmi "), std::string::npos);
        EXPECT_EQ(capsule_->find("localhost", note.substr(0, note.size() - 4) + ".txt"), nullptr);
    }
}

TEST_F(ShippedCapsule, EveryLocalLinkResolves) {
    std::vector<std::string> pages = note_paths;
    pages.insert(pages.end(), {"/", "/artiklar/tryggt-umea.gmi"});
    for (const auto& page : pages) {
        const std::string body = body_of(*capsule_, page);
        std::istringstream lines(body);
        for (std::string line; std::getline(lines, line);) {
            // "=>[ws]/path[ws label]": local links only (gemtext's link line).
            if (!line.starts_with("=>")) continue;
            const std::size_t start = line.find_first_not_of(" \t", 2);
            if (start == std::string::npos || line[start] != '/') continue;
            const std::string target = line.substr(start, line.find_first_of(" \t", start) - start);
            EXPECT_TRUE(capsule_->find("localhost", target) || capsule_->is_directory(target))
                << page << " links to " << target;
        }
    }
}

TEST_F(ShippedCapsule, DirectoriesAndCounts) {
    EXPECT_TRUE(capsule_->is_directory("/artiklar"));
    EXPECT_TRUE(capsule_->is_directory("/anteckningar"));
    EXPECT_EQ(capsule_->find("localhost", "/artiklar/"), nullptr);  // no index.gmi there
    EXPECT_EQ(capsule_->entry_count(), 5u);
}

TEST_F(ShippedCapsule, OneFeedPerHostWithStableIds) {
    EXPECT_EQ(header_of(*capsule_, "/atom.xml"), "20 application/atom+xml\r\n");
    const std::string local = body_of(*capsule_, "/atom.xml", "localhost");
    const std::string other = body_of(*capsule_, "/atom.xml", "kapsel.example");
    EXPECT_EQ(capsule_->find("elsewhere.example", "/atom.xml"), nullptr);
    EXPECT_NE(local.find("<link rel=\"self\" type=\"application/atom+xml\" href=\"gemini://localhost/atom.xml\"/>"),
              std::string::npos);
    EXPECT_NE(other.find("href=\"gemini://kapsel.example/artiklar/tryggt-umea.gmi\""), std::string::npos);
    // Apart from the URLs, the two feeds are the same bytes.
    std::string replaced = local;
    for (std::size_t p; (p = replaced.find("gemini://localhost/")) != std::string::npos;)
        replaced.replace(p, 19, "gemini://kapsel.example/");
    EXPECT_EQ(replaced, other);
    EXPECT_NE(local.find("<id>tag:kapsel.example,2023:feed</id>"), std::string::npos);
    EXPECT_NE(local.find("<id>tag:kapsel.example,2023:tryggt-umea</id>"), std::string::npos);
    EXPECT_NE(local.find("<updated>2026-11-26T09:30:00+01:00</updated>"), std::string::npos);
    EXPECT_NE(local.find("<name>Hans Lindberg (S)</name>"), std::string::npos);
    EXPECT_NE(local.find("<summary>När vi 2017 såg tecken"), std::string::npos);  // the lede
    EXPECT_EQ(local.find("facebook Twitter Email"), std::string::npos);
}

TEST_F(ShippedCapsule, LoadingTwiceGivesTheSameBytes) {
    const auto again = load(make_config(fs::path(KAPSEL_SOURCE_DIR) / "capsule"));
    for (const std::string path : {"/", "/atom.xml", "/artiklar/tryggt-umea.gmi", "/artiklar/tryggt-umea.txt"})
        EXPECT_EQ(body_of(*capsule_, path), body_of(*again, path)) << path;
}

TEST_F(ShippedCapsule, FeedParsesInARealFeedParser) {
    // Debian's python3 carries python3-feedparser; a python3 earlier on PATH may not.
    const std::string python = fs::exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
    if (std::system((python + " -c 'import feedparser' >/dev/null 2>&1").c_str()) != 0) {
        // CI's machine has every package the setup script installs: there, missing is a failure.
        const std::string required = std::getenv("KAPSEL_REQUIRE") ? std::getenv("KAPSEL_REQUIRE") : "";
        if (required.find("all") != std::string::npos || required.find("feedparser") != std::string::npos)
            FAIL() << "needs feedparser: python3-feedparser missing (KAPSEL_REQUIRE=" << required << ")";
        GTEST_SKIP() << "needs feedparser: python3-feedparser missing";
    }
    TempDir dir;
    const fs::path xml = dir.path() / "atom.xml";
    std::ofstream(xml, std::ios::binary) << body_of(*capsule_, "/atom.xml");
    const std::string script =
        "import feedparser, sys\n"
        "d = feedparser.parse(sys.argv[1])\n"
        "assert not d.bozo, d.get('bozo_exception')\n"
        "assert d.version == 'atom10', d.version\n"
        "assert d.feed.title == 'Tryggt och säkert Umeå'\n"
        "assert d.feed.id == 'tag:kapsel.example,2023:feed'\n"
        "assert len(d.entries) == 5, len(d.entries)\n"
        // feedparser only promotes text/html links to .link, so read the links themselves.
        "alt = [l.href for l in d.entries[4].links if l.rel == 'alternate']\n"
        "assert alt == ['gemini://localhost/artiklar/tryggt-umea.gmi'], alt\n"
        "assert [l.href for l in d.feed.links if l.rel == 'self'] == ['gemini://localhost/atom.xml']\n"
        "assert [a.name for a in d.entries[4].authors] == ['Hans Lindberg (S)', 'Janet Ågren (S)']\n"
        "assert 'Uthållighet är nyckeln.' in d.entries[4].content[0].value\n"
        "assert all(e.id.startswith('tag:kapsel.example,2023:') for e in d.entries)\n";
    std::ofstream(dir.path() / "check.py") << script;
    const std::string command = python + " " + (dir.path() / "check.py").string() + " " + xml.string();
    EXPECT_EQ(std::system(command.c_str()), 0);
}

TEST(Loader, PublicPortAppearsInFeedUrls) {
    auto config = make_config(fs::path(KAPSEL_SOURCE_DIR) / "capsule");
    config.server.public_port = 1966;
    const auto capsule = load(config);
    const std::string xml = body_of(*capsule, "/atom.xml");
    EXPECT_NE(xml.find("href=\"gemini://localhost:1966/atom.xml\""), std::string::npos);
    EXPECT_EQ(xml.find("gemini://localhost/"), std::string::npos);
}

// ---------------------------------------------------------------------------------------------
// Small capsules written for one test.

const std::string note_header = "+++\ntitle = \"Not\"\npublished = 2026-11-26\n+++\n";

TEST(Loader, StaticFilesDocumentsAndDirectories) {
    TempDir dir;
    dir.write("index.gmi", "+++\ntitle = \"Start\"\nslug = \"index\"\npublished = 2026-11-26\n+++\n# Start\n{{ entries }}\nslut\n");
    dir.write("bild.png", std::string("\x89PNG\r\n\x1a\n", 8));
    dir.write("LICENS", "text");
    dir.write("static.gmi", "# Statisk\n=> / hem\n");
    dir.write("ren.txt", "bara text\n");
    dir.write("sub/index.gmi", "# Underkatalog\n");
    dir.write("anteckningar/a.gmi", "+++\ntitle = \"A\"\npublished = 2026-11-26\nlang = \"en\"\n+++\n# A\nText.\n");
    dir.write("anteckningar/b.txt",
              "+++\ntitle = \"B\"\nslug = \"bee\"\npublished = 2023-03-20\nrelated = [\"/anteckningar/a.gmi\", \"/sub/\"]\n+++\n"
              "Rubrik\n\nStycke ett\nfortsätter.\n\n=> inte en länk\n");
    dir.write("utkast/c.txt", "+++\ntitle = \"C\"\npublished = 2027-01-01\n+++\nC\n");
    dir.write(".git/config", "hemligt");
    dir.write(".hemlig.gmi", "hemligt");
    dir.write("anteckningar/.utkast.gmi", "hemligt");

    const auto c = load(make_config(dir.path()));
    EXPECT_EQ(body_of(*c, "/"), "# Start\n=> /anteckningar/a.gmi 2026-11-26 - A\n=> /anteckningar/bee.gmi 2023-03-20 - B\nslut\n");
    EXPECT_EQ(header_of(*c, "/bild.png"), "20 image/png\r\n");
    EXPECT_EQ(header_of(*c, "/LICENS"), "20 application/octet-stream\r\n");
    EXPECT_EQ(body_of(*c, "/static.gmi"), "# Statisk\n=> / hem\n");
    EXPECT_EQ(header_of(*c, "/ren.txt"), "20 text/plain; charset=utf-8\r\n");
    EXPECT_EQ(body_of(*c, "/sub/"), "# Underkatalog\n");
    EXPECT_TRUE(c->is_directory("/sub"));
    EXPECT_TRUE(c->is_directory("/utkast"));
    EXPECT_EQ(header_of(*c, "/anteckningar/a.gmi"), "20 text/gemini; charset=utf-8; lang=en\r\n");
    EXPECT_EQ(body_of(*c, "/anteckningar/a.gmi"), "# A\nText.\n");
    EXPECT_EQ(c->find("localhost", "/anteckningar/a.txt"), nullptr);
    EXPECT_EQ(c->find("localhost", "/anteckningar/b.txt"), nullptr);  // served under its slug
    EXPECT_EQ(body_of(*c, "/anteckningar/bee.txt"), "Rubrik\n\nStycke ett\nfortsätter.\n\n=> inte en länk\n");
    const std::string bee = body_of(*c, "/anteckningar/bee.gmi");
    EXPECT_NE(bee.find("\nStycke ett fortsätter.\n\n => inte en länk\n"), std::string::npos) << bee;
    EXPECT_NE(bee.find("\n=> /anteckningar/a.gmi A\n=> /sub/ /sub/\n"), std::string::npos) << bee;
    EXPECT_NE(body_of(*c, "/utkast/c.gmi").find("# C\n"), std::string::npos);  // served, not syndicated
    for (const char* hidden : {"/.git/config", "/.hemlig.gmi", "/anteckningar/.utkast.gmi"})
        EXPECT_EQ(c->find("localhost", hidden), nullptr) << hidden;
    EXPECT_FALSE(c->is_directory("/.git"));
    EXPECT_EQ(c->entry_count(), 2u);
    const std::string xml = body_of(*c, "/atom.xml");
    EXPECT_NE(xml.find("<entry xml:lang=\"en\">"), std::string::npos);
    EXPECT_NE(xml.find("<summary>Text.</summary>"), std::string::npos);
    EXPECT_NE(xml.find("<summary>Stycke ett fortsätter.</summary>"), std::string::npos);
    EXPECT_EQ(xml.find("utkast"), std::string::npos);
}

// The tree a load keeps holds no bytes of images and other static files (their responses do):
// a reload that reads only what a watcher reported, or that walks and finds them unchanged,
// still serves them whole, with their own header, whether it patches the previous capsule or
// builds anew (a changed start page, the web mirror) — and the mirror gets their bytes too.
TEST(Loader, StaticFilesKeepTheirBytesThroughEveryKindOfReload) {
    for (const bool web : {false, true}) {
        TempDir dir;
        const std::string png("\x89PNG\r\n\x1a\nbildens bytes", 21);
        dir.write("index.gmi", "# Start\n\n{{ entries }}\n");
        dir.write("media/bild.png", png);
        dir.write("anteckningar/a.txt", "+++\ntitle = \"A\"\npublished = 2026-11-26\n+++\nA\n\nText.\n");
        config::Config config = make_config(dir.path());
        if (web) config.hosts.front().web = config::WebSettings{dir.path() / ".." / "mirror", "https://kapsel.example/"};
        auto c = load(config);
        const std::string where = web ? "with [web]" : "without";
        const auto expect_png = [&](const Capsule& capsule, const std::string& step) {
            ASSERT_NE(capsule.find("localhost", "/media/bild.png"), nullptr) << where << ", " << step;
            EXPECT_EQ(header_of(capsule, "/media/bild.png"), "20 image/png\r\n") << where << ", " << step;
            EXPECT_EQ(body_of(capsule, "/media/bild.png"), png) << where << ", " << step;
            if (web) {
                const auto it = capsule.mirror().find("media/bild.png");
                ASSERT_NE(it, capsule.mirror().end()) << step;
                EXPECT_EQ(*it->second, png) << step;
            }
        };
        expect_png(*c, "first load");
        const auto reload = [&](const std::string& file, const std::string& bytes, const std::string& step) {
            dir.write(file, bytes);
            DiskChanges changes;
            changes.everything = false;
            changes.paths = {dir.path() / file};
            c = load_capsule(config.hosts.front(), config, nullptr, c, &changes);
            expect_png(*c, step);
        };
        reload("anteckningar/b.txt", "+++\ntitle = \"B\"\npublished = 2026-11-27\n+++\nB\n\nText.\n", "an article added");
        reload("index.gmi", "# Början\n\n{{ entries }}\n", "the start page edited (a whole build)");
        reload("om.gmi", "# Om\n", "a page added");
        c = load_capsule(config.hosts.front(), config, nullptr, c);  // SIGHUP: the whole walk
        expect_png(*c, "a whole walk");
    }
}

TEST(Loader, MaxEntriesLimitsTheFeedNotTheIndex) {
    TempDir dir;
    dir.write("index.gmi", "+++\ntitle = \"S\"\nslug = \"index\"\npublished = 2026-11-26\n+++\n{{ entries }}\n");
    for (int i = 1; i <= 4; ++i)
        dir.write("anteckningar/n" + std::to_string(i) + ".gmi",
                  "+++\ntitle = \"N" + std::to_string(i) + "\"\npublished = 2026-11-0" + std::to_string(i) + "\n+++\nx\n");
    auto config = make_config(dir.path());
    config.hosts[0].feed.max_entries = 2;
    const auto c = load(config);
    const std::string xml = body_of(*c, "/atom.xml");
    EXPECT_NE(xml.find(":n4</id>"), std::string::npos);
    EXPECT_NE(xml.find(":n3</id>"), std::string::npos);
    EXPECT_EQ(xml.find(":n2</id>"), std::string::npos);
    EXPECT_EQ(c->entry_count(), 2u);
    EXPECT_NE(body_of(*c, "/").find("n1.gmi"), std::string::npos);
}

struct ErrorRow {
    const char* name;
    std::map<std::string, std::string> files;
    std::string file;  // relative to the root; "" for the configuration
    int line;
    std::string message_part;
};

TEST(Loader, BrokenInputStopsLoadingWithPathAndLine) {
    const std::vector<ErrorRow> rows{
        {"broken header", {{"anteckningar/a.gmi", "+++\ntitle = \"A\npublished = 2026-11-26\n+++\n"}},
         "anteckningar/a.gmi", 2, "front matter:"},
        {"unclosed header", {{"a.txt", "+++\ntitle = \"A\"\n"}}, "a.txt", 1, "never closed"},
        {"bad date", {{"a.txt", "+++\ntitle = \"A\"\n\npublished = 2026-13-01\n+++\nA\n"}}, "a.txt", 4, "front matter:"},
        {"date as string", {{"a.txt", "+++\ntitle = \"A\"\npublished = \"20 mars 2023\"\n+++\nA\n"}}, "a.txt", 3,
         "published must be a TOML date"},
        {"invalid UTF-8", {{"a.txt", note_header + "Rubrik\n\nTrasig \xC3( byte\n"}}, "a.txt", 7, "invalid UTF-8"},
        {"invalid UTF-8 in a static page", {{"s.gmi", "# ok\n\xFF\n"}}, "s.gmi", 2, "invalid UTF-8"},
        {"XML-forbidden character", {{"a.txt", note_header + "Rubrik\n\nPip\x07\n"}}, "a.txt", 7,
         "character U+0007 is not allowed in XML 1.0"},
        {"XML-forbidden escape in header",
         {{"a.txt", "+++\ntitle = \"A\"\npublished = 2026-11-26\nsummary = \"\\u000B\"\n+++\nA\n"}}, "a.txt", 4,
         "U+000B"},
        {"duplicate slug in a directory",
         {{"anteckningar/a.gmi", note_header + "# A\n"},
          {"anteckningar/b.gmi", "+++\ntitle = \"B\"\n\nslug = \"a\"\npublished = 2026-11-26\n+++\n# B\n"}},
         "anteckningar/b.gmi", 4, "duplicate slug \"a\""},
        {"duplicate slug across feed directories",
         {{"anteckningar/x.gmi", note_header + "# X\n"}, {"artiklar/x.txt", note_header + "X\n"}},
         "artiklar/x.txt", 1, "duplicate slug \"x\""},
        {"document hides a static file",
         {{"a.gmi", "# statisk\n"}, {"b.txt", "+++\ntitle = \"B\"\nslug = \"a\"\npublished = 2026-11-26\n+++\nB\n"}},
         "b.txt", 3, "duplicate slug \"a\""},
        {"unknown related path",
         {{"a.txt", "+++\ntitle = \"A\"\npublished = 2026-11-26\nrelated = [\n  \"/a.gmi\",\n  \"/saknas.gmi\",\n]\n+++\nA\n"}},
         "a.txt", 6, "related path \"/saknas.gmi\" is not in the capsule"},
        {"plain text without text", {{"a.txt", note_header + "\n\n"}}, "a.txt", 5, "no text"},
        {"bad slug from file name", {{"Min Fil.gmi", note_header + "# x\n"}}, "Min Fil.gmi", 1, "taken from the file name"},
        {"atom.xml in the root", {{"atom.xml", "<feed/>"}}, "atom.xml", 0, "generated Atom feed"},
    };
    for (const auto& row : rows) {
        SCOPED_TRACE(row.name);
        TempDir dir;
        for (const auto& [rel, content] : row.files) dir.write(rel, content);
        const auto config = make_config(dir.path());
        try {
            load(config);
            ADD_FAILURE() << "loaded without error";
        } catch (const SourceError& e) {
            EXPECT_EQ(e.path(), (config.hosts[0].root / row.file).string()) << e.what();
            EXPECT_EQ(e.line(), row.line) << e.what();
            EXPECT_NE(std::string(e.what()).find(row.message_part), std::string::npos) << e.what();
            const std::string prefix = e.path() + (row.line > 0 ? ":" + std::to_string(row.line) + ": " : ": ");
            EXPECT_TRUE(std::string(e.what()).starts_with(prefix)) << e.what();
        }
    }
}

TEST(Loader, MissingRoot) {
    TempDir dir;
    EXPECT_THROW(load(make_config(dir.path() / "saknas")), SourceError);
}

TEST(Loader, SymlinkOutsideTheRootIsRefused) {
    TempDir outside;
    outside.write("hemlig.txt", "lösenord\n");
    outside.write("katalog/x.gmi", "# x\n");
    for (const std::string target : {"hemlig.txt", "katalog", "."}) {
        SCOPED_TRACE(target);
        TempDir dir;
        dir.write("index.gmi", "# Start\n");
        fs::create_symlink(outside.path() / target, dir.path() / "lank");
        try {
            load(make_config(dir.path()));
            FAIL() << "loaded";
        } catch (const SourceError& e) {
            EXPECT_EQ(e.path(), (dir.path() / "lank").string());
            EXPECT_NE(std::string(e.what()).find("outside the capsule root"), std::string::npos) << e.what();
        }
    }
    // Relative links climbing out are caught as well.
    TempDir dir;
    dir.write("sub/ok.gmi", "# ok\n");
    fs::create_symlink("../../../../../../../../etc/passwd", dir.path() / "sub" / "passwd");
    EXPECT_THROW(load(make_config(dir.path())), SourceError);
}

TEST(Loader, SymlinksInsideTheRootAreServed) {
    TempDir dir;
    dir.write("a/sida.gmi", "# Sida\n");
    fs::create_symlink("a/sida.gmi", dir.path() / "alias.gmi");
    fs::create_directory_symlink("a", dir.path() / "b");
    const auto c = load(make_config(dir.path()));
    EXPECT_EQ(body_of(*c, "/alias.gmi"), "# Sida\n");
    EXPECT_EQ(body_of(*c, "/b/sida.gmi"), "# Sida\n");
    EXPECT_TRUE(c->is_directory("/b"));
}

TEST(Loader, SymlinkLoopsAndBrokenLinksAreRefused) {
    {
        TempDir dir;
        dir.write("a/x.gmi", "# x\n");
        fs::create_directory_symlink("..", dir.path() / "a" / "upp");
        EXPECT_THROW(load(make_config(dir.path())), SourceError);
    }
    {
        TempDir dir;
        fs::create_symlink("saknas.gmi", dir.path() / "trasig.gmi");
        try {
            load(make_config(dir.path()));
            FAIL();
        } catch (const SourceError& e) {
            EXPECT_NE(std::string(e.what()).find("broken symbolic link"), std::string::npos);
        }
    }
}

}  // namespace
}  // namespace kapsel::capsule
