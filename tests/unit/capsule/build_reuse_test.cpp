// What a build given the previous capsule (BuildSettings::previous) takes from it rather than
// making again: an unchanged document's page, plain text and Atom entry, and every feed
// document whose entries did not change, shared with the previous capsule (the very same
// response). What an edit touches is made again: the edited page, a page whose related link
// carries the edited title, the lists, the subscription document and the archive month the
// entry is in. A setting that pages are made from changes everything it reaches. That the
// bytes equal a build from nothing, step by step, is incremental_load_test's property; this
// test says that the reuse happens at all, which that one cannot see.

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "capsule/build.hpp"
#include "trees.hpp"

namespace kapsel::capsule {
namespace {

using test_support::file;
using test_support::put;

std::string article(const std::string& title, const std::string& published, const std::string& extra = "") {
    return "+++\ntitle = \"" + title + "\"\npublished = " + published + "\n" + extra + "+++\n" + title + "\n\nText.\n";
}

BuildSettings settings() {
    BuildSettings s = test_support::article_settings();
    s.feed.max_entries = 2;  // three articles: the subscription document holds two, archives all
    return s;
}

const Response* at(const std::shared_ptr<const Capsule>& c, const std::string& path) { return c->find("localhost", path); }

class BuildReuse : public ::testing::Test {
protected:
    void SetUp() override {
        tree_.directories = {"/artiklar"};
        tree_.files = {
            file("", "index.gmi", "# Start\n\n{{ entries }}\n"),
            file("artiklar", "a.txt", article("A", "2024-01-10T10:00:00Z")),
            file("artiklar", "b.txt", article("B", "2024-02-10T10:00:00Z", "related = [\"/artiklar/a.gmi\"]\n")),
            file("artiklar", "c.txt", article("C", "2024-03-10T10:00:00Z")),
        };
        first_ = build(settings());
    }

    // A build of tree_ that keeps it as its source, as the loader's do (so that the next can patch).
    std::shared_ptr<const Capsule> build(BuildSettings s) const {
        s.source = std::make_shared<const SourceTree>(tree_);
        return build_capsule(tree_, {}, s);
    }

    std::shared_ptr<const Capsule> rebuild(BuildSettings s = settings()) {
        s.previous = first_;
        return build(std::move(s));
    }

    SourceTree tree_;
    std::shared_ptr<const Capsule> first_;
};

TEST_F(BuildReuse, NothingChangedSharesEveryPageEntryAndFeedDocument) {
    const auto second = rebuild();
    for (const std::string path : {"/artiklar/a.gmi", "/artiklar/a.txt", "/artiklar/b.gmi", "/artiklar/c.gmi",
                                   "/atom.xml", "/atom/2024-01.xml", "/atom/2024-02.xml", "/atom/2024-03.xml"}) {
        ASSERT_NE(at(second, path), nullptr) << path;
        EXPECT_EQ(at(second, path), at(first_, path)) << path << " was made again";
    }
}

TEST_F(BuildReuse, AnEditedTitleRemakesItsPageTheLinkToItTheListAndItsMonthOnly) {
    put(tree_, file("artiklar", "a.txt", article("A, rättad", "2024-01-10T10:00:00Z")));
    const auto second = rebuild();
    EXPECT_NE(at(second, "/artiklar/a.gmi"), at(first_, "/artiklar/a.gmi"));
    EXPECT_NE(at(second, "/artiklar/b.gmi"), at(first_, "/artiklar/b.gmi")) << "b links to a by its title";
    EXPECT_NE(at(second, "/artiklar/b.gmi")->body().find("A, rättad"), std::string_view::npos);
    EXPECT_NE(at(second, "/")->body().find("A, rättad"), std::string_view::npos);
    EXPECT_NE(at(second, "/atom/2024-01.xml"), at(first_, "/atom/2024-01.xml"));
    EXPECT_NE(at(second, "/atom/2024-01.xml")->body().find("A, rättad"), std::string_view::npos);
    // Untouched: the other pages and months; the subscription document holds b and c only.
    EXPECT_EQ(at(second, "/artiklar/c.gmi"), at(first_, "/artiklar/c.gmi"));
    EXPECT_EQ(at(second, "/artiklar/b.txt"), at(first_, "/artiklar/b.txt"));
    EXPECT_EQ(at(second, "/atom/2024-02.xml"), at(first_, "/atom/2024-02.xml"));
    EXPECT_EQ(at(second, "/atom/2024-03.xml"), at(first_, "/atom/2024-03.xml"));
    EXPECT_EQ(at(second, "/atom.xml"), at(first_, "/atom.xml"));
}

TEST_F(BuildReuse, TheSameBytesReadAgainAreTheSameDocument) {
    // A file read again (a new SourceFile, its stamp changed by a touch) with the same bytes.
    put(tree_, file("artiklar", "c.txt", article("C", "2024-03-10T10:00:00Z")));
    const auto second = rebuild();
    EXPECT_EQ(at(second, "/artiklar/c.gmi"), at(first_, "/artiklar/c.gmi"));
    EXPECT_EQ(at(second, "/atom.xml"), at(first_, "/atom.xml"));
}

TEST_F(BuildReuse, ASettingPagesAreMadeFromRemakesThem) {
    BuildSettings english = settings();
    english.lang = "en";
    const auto second = rebuild(english);
    EXPECT_NE(at(second, "/artiklar/a.gmi"), at(first_, "/artiklar/a.gmi"));
    EXPECT_NE(at(second, "/atom.xml"), at(first_, "/atom.xml"));
    BuildSettings renamed = settings();
    renamed.feed.title = "Noter";
    const auto third = rebuild(renamed);
    EXPECT_EQ(at(third, "/artiklar/a.gmi"), at(first_, "/artiklar/a.gmi")) << "a page does not show the feed's title";
    EXPECT_NE(at(third, "/atom/2024-01.xml"), at(first_, "/atom/2024-01.xml"));
    EXPECT_NE(at(third, "/atom/2024-01.xml")->body().find("Noter"), std::string_view::npos);
}

// A document replaced by a page of the same body at the same path: the page is served in the
// capsule's language, not the document's (its header differs though its body does not).
TEST_F(BuildReuse, APageInPlaceOfADocumentHasItsOwnHeader) {
    put(tree_, file("", "om.gmi", "+++\ntitle = \"Om\"\npublished = 2024-01-01\nlang = \"en\"\n+++\n# Om\n"));
    first_ = build(settings());
    ASSERT_EQ(std::string(at(first_, "/om.gmi")->bytes), "20 text/gemini; charset=utf-8; lang=en\r\n# Om\n");
    put(tree_, file("", "om.gmi", "# Om\n"));
    const auto second = rebuild();
    EXPECT_EQ(std::string(at(second, "/om.gmi")->bytes), "20 text/gemini; charset=utf-8; lang=sv\r\n# Om\n");
    EXPECT_EQ(second->describe(), build(settings())->describe());
    // (patched, not built: the untouched articles' products are the previous capsule's)
    EXPECT_EQ(second->document_products("artiklar/a.txt"), first_->document_products("artiklar/a.txt"));
}

}  // namespace
}  // namespace kapsel::capsule
