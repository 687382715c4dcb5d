#include <gtest/gtest.h>

#include <memory>

#include "capsule/capsule.hpp"

namespace kapsel::capsule {
namespace {

Response response(std::string body) {
    Response r;
    r.bytes = "20 text/plain\r\n" + body;
    r.header_size = 15;
    return r;
}

TEST(Capsule, FindsSharedAndPerHostResponses) {
    Capsule c;
    c.add("/", response("index"));
    c.add("/a.txt", response("a"));
    c.add_for_host("kapsel.example", "/atom.xml", std::make_shared<const Response>(response("feed for kapsel.example")));
    c.add_for_host("localhost", "/atom.xml", std::make_shared<const Response>(response("feed for localhost")));
    c.add_for_host("localhost", "/a.txt", std::make_shared<const Response>(response("a for localhost")));

    ASSERT_NE(c.find("x", "/"), nullptr);
    EXPECT_EQ(c.find("x", "/")->body(), "index");
    EXPECT_EQ(c.find("x", "")->body(), "index");  // empty path and "/" are the same resource
    EXPECT_EQ(c.find("kapsel.example", "/atom.xml")->body(), "feed for kapsel.example");
    EXPECT_EQ(c.find("localhost", "/atom.xml")->body(), "feed for localhost");
    EXPECT_EQ(c.find("other", "/atom.xml"), nullptr);
    EXPECT_EQ(c.find("localhost", "/a.txt")->body(), "a for localhost");
    EXPECT_EQ(c.find("kapsel.example", "/a.txt")->body(), "a");
    EXPECT_EQ(c.find("x", "/missing"), nullptr);
    EXPECT_EQ(c.size(), 2u);
}

TEST(Capsule, Directories) {
    Capsule c;
    c.add_directory("");
    c.add_directory("/notes");
    c.add_directory("/a/b/");
    EXPECT_TRUE(c.is_directory("/notes"));
    EXPECT_TRUE(c.is_directory("/notes/"));
    EXPECT_TRUE(c.is_directory("/a/b"));
    EXPECT_TRUE(c.is_directory(""));
    EXPECT_TRUE(c.is_directory("/"));
    EXPECT_FALSE(c.is_directory("/a"));
    EXPECT_FALSE(c.is_directory("/notes.gmi"));
}

TEST(Capsule, RedirectsAndGonePathsExactAndByPrefix) {
    Capsule c;
    c.add_redirect("/gammalt/", Redirect{"/anteckningar/", true, {}});
    c.add_redirect("/gammalt/djup/", Redirect{"/djupt/", false, {}});
    c.add_redirect("/flyttad.gmi", Redirect{"/ny.gmi", true, {}});
    c.add_gone("/arkiv/");
    c.add_gone("/borta.gmi");
    const auto rest = [&](std::string_view path) { return c.redirect_for(path)->rest; };
    EXPECT_EQ(c.redirect_for("/flyttad.gmi")->target, "/ny.gmi");
    EXPECT_EQ(c.redirect_for("/gammalt/a.gmi")->target, "/anteckningar/");
    EXPECT_EQ(rest("/gammalt/a/b.gmi"), "a/b.gmi");
    EXPECT_EQ(rest("/gammalt/"), "");
    EXPECT_EQ(rest("/gammalt"), "");  // the directory without its slash moves too
    EXPECT_EQ(c.redirect_for("/gammalt/djup/x.gmi")->target, "/djupt/");  // the longest prefix wins
    EXPECT_FALSE(c.redirect_for("/gammalt/djup/x.gmi")->permanent);
    EXPECT_EQ(c.redirect_for("/gammalt/djup")->target, "/djupt/");
    EXPECT_FALSE(c.redirect_for("/gammal"));
    EXPECT_FALSE(c.redirect_for("/gammaltx.gmi"));
    EXPECT_FALSE(c.redirect_for("/flyttad.gmi/"));
    for (const char* gone : {"/arkiv/", "/arkiv", "/arkiv/a/b.txt", "/borta.gmi"}) EXPECT_TRUE(c.is_gone(gone)) << gone;
    for (const char* kept : {"/arki", "/arkivet.gmi", "/borta.gmi/", "/borta"}) EXPECT_FALSE(c.is_gone(kept)) << kept;
}

TEST(Capsule, SourceErrorText) {
    const SourceError with_line("capsule/a.txt", 3, "bad date");
    EXPECT_STREQ(with_line.what(), "capsule/a.txt:3: bad date");
    EXPECT_EQ(with_line.path(), "capsule/a.txt");
    EXPECT_EQ(with_line.line(), 3);
    const SourceError without_line("capsule/link", 0, "symbolic link leads outside");
    EXPECT_STREQ(without_line.what(), "capsule/link: symbolic link leads outside");
}

}  // namespace
}  // namespace kapsel::capsule
