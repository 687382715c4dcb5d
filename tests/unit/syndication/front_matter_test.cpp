#include <gtest/gtest.h>

#include "syndication/document_error.hpp"
#include "syndication/front_matter.hpp"

namespace kapsel::syndication {
namespace {

TEST(FrontMatter, ParsesEveryField) {
    const std::string text =
        "+++\n"
        "title = \"Satsningar på ett tryggt och säkert Umeå ger resultat\"\n"
        "slug = \"tryggt-umea\"\n"
        "authors = [\n"
        "  { name = \"Hans Lindberg (S)\", role = \"kommunalråd\" },\n"
        "  { name = \"Janet Ågren (S)\" },\n"
        "]\n"
        "published = 2023-03-20\n"
        "updated = 2023-03-21T09:30:00+01:00\n"
        "published_in = \"Västerbottens-Kuriren\"\n"
        "lang = \"sv-SE\"\n"
        "summary = \"\"\"Två rader\n"
        "sammanfattning.\"\"\"\n"
        "related = [\"/anteckningar/los.gmi\",\n"
        "           \"/anteckningar/tidslinje.gmi\"]\n"
        "+++\n"
        "Rubrik\n\nText.\n";
    const DocumentSource doc = parse_document(text, "fil");
    const FrontMatter& m = doc.meta;
    EXPECT_EQ(m.title, "Satsningar på ett tryggt och säkert Umeå ger resultat");
    EXPECT_EQ(m.slug, "tryggt-umea");
    EXPECT_EQ(m.slug_line, 3);
    ASSERT_EQ(m.authors.size(), 2u);
    EXPECT_EQ(m.authors[0], (Author{"Hans Lindberg (S)", "kommunalråd"}));
    EXPECT_EQ(m.authors[1], (Author{"Janet Ågren (S)", ""}));
    EXPECT_EQ(m.published, (DateTime{2023, 3, 20}));
    ASSERT_TRUE(m.updated);
    EXPECT_EQ(*m.updated, (DateTime{2023, 3, 21, 9, 30, 0, 0, 60}));
    EXPECT_EQ(&m.effective_updated(), &*m.updated);
    EXPECT_EQ(m.published_in, "Västerbottens-Kuriren");
    EXPECT_EQ(m.lang, "sv-SE");
    EXPECT_EQ(m.summary, "Två rader\nsammanfattning.");
    ASSERT_EQ(m.related.size(), 2u);
    EXPECT_EQ(m.related[0], (RelatedPath{"/anteckningar/los.gmi", 14}));
    EXPECT_EQ(m.related[1], (RelatedPath{"/anteckningar/tidslinje.gmi", 15}));
    EXPECT_EQ(doc.body, "Rubrik\n\nText.\n");
    EXPECT_EQ(doc.body_line, 17);
}

TEST(FrontMatter, DefaultsAndCrlf) {
    const DocumentSource doc = parse_document("+++\r\ntitle = \"T\"\r\npublished = 2026-11-26\r\n+++\r\nbody", "fil-namn");
    EXPECT_EQ(doc.meta.slug, "fil-namn");
    EXPECT_EQ(doc.meta.slug_line, 1);
    EXPECT_TRUE(doc.meta.authors.empty());
    EXPECT_FALSE(doc.meta.updated);
    EXPECT_EQ(&doc.meta.effective_updated(), &doc.meta.published);
    EXPECT_FALSE(doc.meta.lang);
    EXPECT_FALSE(doc.meta.summary);
    EXPECT_EQ(doc.body, "body");
    EXPECT_EQ(doc.body_line, 5);
}

// Found by fuzz_front_matter: a document dated before 1677 (or after 2262) overflowed the UTC
// sort key, and a later `updated` was refused as "earlier than published".
TEST(FrontMatter, DatesFarFromTheEpochCompare) {
    const DocumentSource doc =
        parse_document("+++\ntitle = \"T\"\npublished = 1600-01-01\nupdated = 2300-01-01T00:00:00Z\n+++\n", "x");
    EXPECT_EQ(doc.meta.published, (DateTime{1600, 1, 1}));
    EXPECT_EQ(doc.meta.updated, (DateTime{2300, 1, 1}));
    EXPECT_THROW(parse_document("+++\ntitle = \"T\"\npublished = 2300-01-01\nupdated = 1600-01-01\n+++\n", "x"),
                 DocumentError);
}

struct BodyLineRow {
    std::string text;
    int body_line;
};

// Found by fuzz_front_matter: with nothing after a closing "+++" that has no line ending,
// body_line (and so "no text after its front matter") pointed one past the last line.
TEST(FrontMatter, BodyLineIsInsideTheText) {
    const std::string header = "+++\ntitle = \"T\"\npublished = 2023-03-20\n";
    const std::vector<BodyLineRow> rows{
        {header + "+++\nRubrik\n", 5},
        {header + "+++\n", 5},
        {header + "+++\r\n", 5},
        {header + "+++", 4},
        {header + "+++\r", 4},
    };
    for (const auto& row : rows) {
        SCOPED_TRACE(row.text);
        const DocumentSource doc = parse_document(row.text, "x");
        EXPECT_EQ(doc.body_line, row.body_line);
    }
}

TEST(FrontMatter, Detection) {
    EXPECT_TRUE(has_front_matter("+++\n"));
    EXPECT_TRUE(has_front_matter("+++\r\nx"));
    EXPECT_TRUE(has_front_matter("+++"));
    EXPECT_FALSE(has_front_matter(""));
    EXPECT_FALSE(has_front_matter("++++\n"));
    EXPECT_FALSE(has_front_matter(" +++\n"));
    EXPECT_FALSE(has_front_matter("\n+++\n"));
    EXPECT_FALSE(has_front_matter("# +++\n"));
}

struct ErrorRow {
    std::string header;  // the lines between the delimiters (header line 1 is source line 2)
    int line;
    std::string message_part;
};

TEST(FrontMatter, ErrorsNameTheSourceLine) {
    const std::string ok = "title = \"T\"\npublished = 2023-03-20\n";
    const std::vector<ErrorRow> rows{
        {"title = \"T\"\npublished = 2023-03-20\ntitle = \"U\"\n", 4, "front matter:"},
        {"title = \"T\"\npublished = 2023-02-30\n", 3, "front matter:"},
        {"title = \"T\"\npublished = \"2023-03-20\"\n", 3, "published must be a TOML date"},
        {"title = \"T\"\npublished = 2023-03-20T08:00:00\n", 3, "no UTC offset"},
        {"title = \"T\"\npublished = 08:00:00\n", 3, "published must be a TOML date"},
        {"title = \"T\"\n", 1, "no published date"},
        {"published = 2023-03-20\n", 1, "no title"},
        {ok + "updated = 2023-03-19\n", 4, "earlier than published"},
        // Found by fuzz_atom: the archive month of a moment whose UTC year has five digits.
        {"title = \"T\"\npublished = 9999-12-31T23:30:00-01:00\n", 3, "falls in the year 10000 in UTC"},
        {"title = \"T\"\npublished = 0000-01-01T00:30:00+01:00\n", 3, "falls in the year -1 in UTC"},
        {ok + "titel = \"x\"\n", 4, "unknown front matter key \"titel\""},
        {ok + "slug = \"Stora Bokstäver\"\n", 4, "slug \"Stora Bokstäver\" is not valid"},
        {ok + "slug = \"-x\"\n", 4, "is not valid"},
        {ok + "authors = \"Hans\"\n", 4, "authors must be an array"},
        {ok + "authors = [\"Hans\"]\n", 4, "each author must be a table"},
        {ok + "authors = [{ role = \"x\" }]\n", 4, "author has no name"},
        {ok + "authors = [\n  { name = \"A\", email = \"a@b\" },\n]\n", 5, "unknown author key \"email\""},
        {ok + "lang = \"svenska språket\"\n", 4, "not a BCP 47 language tag"},
        {ok + "related = [\n  \"/ok.gmi\",\n  \"relativ.gmi\",\n]\n", 6, "must be an absolute capsule path"},
        {ok + "related = [\"/a/../b.gmi\"]\n", 4, "normalised path"},
        {ok + "related = [\"/a/.\"]\n", 4, "normalised path"},      // found by fuzz_front_matter
        {ok + "related = [\"/.\"]\n", 4, "normalised path"},
        {ok + "related = [\"/a//b.gmi\"]\n", 4, "normalised path"},
        {ok + "related = [\"/a/..\"]\n", 4, "normalised path"},
        {ok + "related = [\"gemini://x/y.gmi\"]\n", 4, "must be an absolute capsule path"},
        {ok + "related = \"/a.gmi\"\n", 4, "related must be an array"},
        {"title = \"Två\\nrader\"\npublished = 2023-03-20\n", 2, "title must be a single line"},
        {"title = \"  \"\npublished = 2023-03-20\n", 2, "title must not be empty"},
        {"title = \"a\\u0001b\"\npublished = 2023-03-20\n", 2, "U+0001"},
        {ok + "summary = \"x\\uFFFEy\"\n", 4, "U+FFFE"},
        {ok + "published_in = 3\n", 4, "published_in must be a string"},
    };
    for (const auto& row : rows) {
        SCOPED_TRACE(row.header);
        try {
            parse_document("+++\n" + row.header + "+++\nbody\n", "x");
            ADD_FAILURE() << "no error";
        } catch (const DocumentError& e) {
            EXPECT_EQ(e.line(), row.line) << e.what();
            EXPECT_NE(std::string(e.what()).find(row.message_part), std::string::npos) << e.what();
        }
    }
}

TEST(FrontMatter, UnclosedAndMissing) {
    try {
        parse_document("+++\ntitle = \"T\"\n", "x");
        FAIL();
    } catch (const DocumentError& e) {
        EXPECT_EQ(e.line(), 1);
        EXPECT_NE(std::string(e.what()).find("never closed"), std::string::npos);
    }
    EXPECT_THROW(parse_document("title = \"T\"\n", "x"), DocumentError);
}

TEST(FrontMatter, DefaultSlugFromFileNameIsChecked) {
    try {
        parse_document("+++\ntitle = \"T\"\npublished = 2023-03-20\n+++\n", "Min Fil");
        FAIL();
    } catch (const DocumentError& e) {
        EXPECT_EQ(e.line(), 1);
        EXPECT_NE(std::string(e.what()).find("taken from the file name"), std::string::npos);
    }
}

TEST(FrontMatter, SlugRule) {
    EXPECT_EQ(check_slug("tryggt-umea"), std::nullopt);
    EXPECT_EQ(check_slug("a_1"), std::nullopt);
    EXPECT_NE(check_slug(""), std::nullopt);
    EXPECT_NE(check_slug("a.b"), std::nullopt);
    EXPECT_NE(check_slug("a/b"), std::nullopt);
    EXPECT_NE(check_slug("umeå"), std::nullopt);
}

TEST(FrontMatter, WritesTitlesItReadsBack) {
    EXPECT_EQ(toml_basic_string("Satsningar på ett tryggt och säkert Umeå"), "\"Satsningar på ett tryggt och säkert Umeå\"");
    EXPECT_EQ(toml_basic_string("a \"b\" c\\d"), "\"a \\\"b\\\" c\\\\d\"");
    EXPECT_EQ(toml_basic_string(std::string("tab\there\x7f", 9)), "\"tab\\u0009here\\u007F\"");
    // Whatever it writes, the parser reads as it was.
    for (const std::string title : {"Umeå \"trygg\"", "back\\slash", "}}]] +++ = #", "'enkla' och \"dubbla\""}) {
        const DocumentSource doc =
            parse_document("+++\ntitle = " + toml_basic_string(title) + "\npublished = 2023-03-20\n+++\n", "fil");
        EXPECT_EQ(doc.meta.title, title);
    }
}

}  // namespace
}  // namespace kapsel::syndication
