// A build given the previous capsule (BuildSettings::previous) borrows the mirror's HTML of every
// page that did not change: its result must be byte for byte what a build from nothing gives,
// through a sequence of edits that each change something a page's HTML depends on.

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "capsule/build.hpp"
#include "capsule/capsule.hpp"
#include "config/config.hpp"
#include "trees.hpp"

namespace kapsel::capsule {
namespace {

using test_support::file;
using test_support::put;

std::string doc(const std::string& title, const std::string& extra = "", const std::string& body = "Text.\n") {
    return "+++\ntitle = \"" + title + "\"\npublished = 2024-01-02T10:00:00Z\n" + extra + "+++\n" + title + "\n\n" + body;
}

void drop(SourceTree& tree, const std::string& rel_dir, const std::string& name) {
    std::erase_if(tree.files, [&](const auto& f) { return f->rel_dir == rel_dir && f->name == name; });
}

BuildSettings settings() {
    BuildSettings s = test_support::article_settings();
    s.web = config::WebSettings{"/srv/mirror", "https://kapsel.example/"};
    return s;
}

void expect_same_mirror(const Capsule& fresh, const Capsule& reused, const std::string& step) {
    ASSERT_EQ(fresh.mirror().size(), reused.mirror().size()) << step;
    for (const auto& [path, bytes] : fresh.mirror()) {
        const auto it = reused.mirror().find(path);
        ASSERT_NE(it, reused.mirror().end()) << step << ": " << path << " missing";
        EXPECT_EQ(*bytes, *it->second) << step << ": " << path << " differs";
    }
}

TEST(MirrorReuse, EveryStepBuildsTheSameMirrorWithOrWithoutThePreviousCapsule) {
    SourceTree tree;
    tree.directories = {"/artiklar", "/sidor"};
    tree.files = {
        file("", "index.gmi", "# Start\n\n{{ entries }}\n=> sidor/om.gmi Om\n"),
        file("artiklar", "en.txt", doc("En")),
        file("artiklar", "tva.txt", doc("Två")),
        file("sidor", "om.gmi", "# Om\n\n=> /artiklar/en.gmi Den första\n=> ny.gmi Ny sida\n"),
    };
    BuildSettings base = settings();
    const std::vector<std::pair<std::string, std::function<void(SourceTree&, BuildSettings&)>>> steps = {
        {"nothing changed", [](SourceTree&, BuildSettings&) {}},
        {"an article's text", [](SourceTree& t, BuildSettings&) { put(t, file("artiklar", "en.txt", doc("En", "", "Ny text.\n"))); }},
        {"an article's title only", [](SourceTree& t, BuildSettings&) { put(t, file("artiklar", "tva.txt", doc("Två, rättad"))); }},
        {"an article's language", [](SourceTree& t, BuildSettings&) { put(t, file("artiklar", "tva.txt", doc("Två", "lang = \"en\"\n"))); }},
        {"a page linked to appears", [](SourceTree& t, BuildSettings&) { put(t, file("sidor", "ny.gmi", "# Ny\n")); }},
        {"a new article (the start page's list)", [](SourceTree& t, BuildSettings&) { put(t, file("artiklar", "tre.txt", doc("Tre"))); }},
        {"an article removed", [](SourceTree& t, BuildSettings&) { drop(t, "artiklar", "en.txt"); }},
        {"a gemtext page edited", [](SourceTree& t, BuildSettings&) { put(t, file("sidor", "om.gmi", "# Om oss\n\nMer.\n")); }},
        {"the feed's title", [](SourceTree&, BuildSettings& s) { s.feed.title = "Nya anteckningar"; }},
        {"the mirror's base URL", [](SourceTree&, BuildSettings& s) { s.web->base_url = "https://annan.example/blogg/"; }},
        {"the host's name", [](SourceTree&, BuildSettings& s) { s.hostnames = {"kapsel.example"}; }},
        {"the capsule's language", [](SourceTree&, BuildSettings& s) { s.lang = "en"; }},
    };
    std::shared_ptr<const Capsule> previous = build_capsule(tree, builtin_mime_types(), base);
    for (const auto& [step, change] : steps) {
        change(tree, base);
        const auto fresh = build_capsule(tree, builtin_mime_types(), base);
        BuildSettings with = base;
        with.previous = previous;
        const auto reused = build_capsule(tree, builtin_mime_types(), with);
        expect_same_mirror(*fresh, *reused, step);
        previous = reused;
    }
}

}  // namespace
}  // namespace kapsel::capsule
