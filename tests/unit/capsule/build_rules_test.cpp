// build_capsule's checks of paths that are no page (aliases, [[redirect]], [[gone]]) and its
// warnings, from bytes: no file system.

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "capsule/build.hpp"
#include "config/config.hpp"
#include "trees.hpp"

namespace kapsel::capsule {
namespace {

using test_support::file;

std::string doc(const std::string& title, const std::string& published, const std::string& extra = "") {
    return "+++\ntitle = \"" + title + "\"\npublished = " + published + "\n" + extra + "+++\n# " + title + "\n";
}

SourceTree tree() {
    SourceTree t;
    t.directories = {"/anteckningar", "/artiklar"};
    t.files = {
        file("", "index.gmi", "# Start\n"),
        file("anteckningar", "annan.gmi", doc("Annan", "2024-01-02T10:00:00Z")),
        // Moved out of anteckningar/, keeping its old path as an alias.
        file("artiklar", "flyttad.gmi",
             doc("Flyttad", "2024-01-03T10:00:00Z", "aliases = [\"/anteckningar/flyttad.gmi\"]\n")),
    };
    return t;
}

BuildSettings settings() {
    BuildSettings s;
    s.hostnames = {"localhost"};
    s.settings_file = "server.toml";
    s.feed.title = "T";
    s.feed.authority = "x.example,2024";
    s.feed.paths = {"anteckningar", "artiklar"};
    return s;
}

config::RedirectRule redirect(std::string from, std::string to, int line) {
    return {std::move(from), std::move(to), true, {line, 1}};
}

std::string build_error(const BuildSettings& s, const SourceTree& t = tree()) {
    try {
        build_capsule(t, builtin_mime_types(), s);
    } catch (const std::exception& e) {
        return e.what();
    }
    return "";
}

TEST(BuildRules, APrefixRedirectIntoADirectoryWithAnAliasIsNoChain) {
    BuildSettings s = settings();
    s.redirects = {redirect("/gammalt/", "/anteckningar/", 7)};
    const auto capsule = build_capsule(tree(), builtin_mime_types(), s);
    const auto moved = capsule->redirect_for("/gammalt/flyttad.gmi");
    ASSERT_TRUE(moved);
    EXPECT_EQ(moved->target, "/anteckningar/");
    EXPECT_EQ(moved->rest, "flyttad.gmi");
    // ... which the alias then sends on to the page: two steps, ending at a page.
    const auto alias = capsule->redirect_for("/anteckningar/flyttad.gmi");
    ASSERT_TRUE(alias);
    EXPECT_EQ(alias->target, "/artiklar/flyttad.gmi");
}

TEST(BuildRules, ChainsAndLoopsAreRefusedNamingTheRule) {
    BuildSettings s = settings();
    s.redirects = {redirect("/a.gmi", "/b.gmi", 3), redirect("/b.gmi", "/anteckningar/annan.gmi", 6)};
    EXPECT_EQ(build_error(s), "server.toml:3:1: [[redirect]] to \"/b.gmi\" is redirected itself ([[redirect]]): a chain or a loop");
    s.redirects = {redirect("/a/", "/b/", 3), redirect("/b/", "/a/", 6)};
    EXPECT_EQ(build_error(s), "server.toml:3:1: [[redirect]] to \"/b/\" is redirected itself ([[redirect]]): a chain or a loop");
    // A prefix rule below another's target: a chain for a whole subtree, and here a loop.
    s.redirects = {redirect("/a/", "/anteckningar/", 3), redirect("/anteckningar/x/", "/a/x/", 6)};
    const std::string error = build_error(s);
    EXPECT_NE(error.find("server.toml:"), std::string::npos) << error;
    EXPECT_NE(error.find("a chain or a loop"), std::string::npos) << error;
    s.redirects = {redirect("/a.gmi", "/anteckningar/flyttad.gmi", 3)};
    EXPECT_EQ(build_error(s), "server.toml:3:1: [[redirect]] to \"/anteckningar/flyttad.gmi\" is redirected itself "
                              "(artiklar/flyttad.gmi): a chain or a loop");
}

TEST(BuildRules, RulesOverTheFeedsNameTheFeeds) {
    BuildSettings s = settings();
    s.gone = {{"/atom.xml", {4, 1}}};
    EXPECT_EQ(build_error(s), "server.toml:4:1: [[gone]] path \"/atom.xml\" would hide the feeds");
    s.gone = {{"/atom/2024-01.xml", {4, 1}}};
    EXPECT_EQ(build_error(s), "server.toml:4:1: [[gone]] path \"/atom/2024-01.xml\" would hide the feeds");
    s.gone = {};
    s.redirects = {redirect("/atom/", "/anteckningar/", 2)};
    EXPECT_EQ(build_error(s), "server.toml:2:1: [[redirect]] from \"/atom/\" would hide the feeds");
}

TEST(BuildRules, AMarkerThatIsNotExactlyOneIsAWarningWithItsLine) {
    SourceTree t = tree();
    t.files.push_back(file("", "lista.gmi", "# Lista\n\n{{ entries }}\n{{entries}}\n"));
    t.files.push_back(file("anteckningar", "med.gmi",
                           "+++\ntitle = \"Med\"\npublished = 2024-01-04T10:00:00Z\n+++\n# Med\n\nSe {{ entries }} här\n"));
    const auto capsule = build_capsule(t, builtin_mime_types(), settings());
    const std::vector<std::string> expected{
        "lista.gmi:4: \"{{ entries }}\" becomes the list of entries only on a line of its own, exactly so; this line "
        "is served as written",
        "anteckningar/med.gmi:7: \"{{ entries }}\" becomes the list of entries only on a line of its own, exactly so; "
        "this line is served as written",
    };
    std::vector<std::string> markers;
    for (const auto& w : capsule->warnings())
        if (w.find("{{ entries }}") != std::string::npos) markers.push_back(w);
    EXPECT_EQ(markers, expected);
    // The exact line is the list; the other one stays as written.
    const std::string page(capsule->find("localhost", "/lista.gmi")->body());
    EXPECT_NE(page.find("=> /anteckningar/annan.gmi 2024-01-02 - Annan\n{{entries}}\n"), std::string::npos) << page;
}

}  // namespace
}  // namespace kapsel::capsule
