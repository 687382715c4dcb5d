// The file an upload becomes: front matter written, kept or completed, published and updated set
// as README says, the body as sent; every refusal a `59 LINE: message` at the line the client
// sent, in the words kapsel check uses.

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "capsule/build.hpp"
#include "upload/document.hpp"

namespace kapsel::upload {
namespace {

const syndication::DateTime now{2026, 12, 1, 10, 20, 30, 0, 0};  // 2026-12-01T10:20:30Z
const Target plain{"artiklar", "ny", Format::plain_text};
const Target gemtext{"artiklar", "ny", Format::gemtext};

Prepared prepared(std::string_view body, const Target& target, std::optional<std::string_view> previous = {}) {
    auto made = prepare_document(body, target, previous, now);
    if (auto* r = std::get_if<gemini::Rejection>(&made)) ADD_FAILURE() << "refused: " << r->meta;
    return std::get<Prepared>(made);
}

std::string refusal(std::string_view body, const Target& target, std::optional<std::string_view> previous = {}) {
    auto made = prepare_document(body, target, previous, now);
    if (std::holds_alternative<Prepared>(made)) {
        ADD_FAILURE() << "accepted: " << std::get<Prepared>(made).bytes;
        return {};
    }
    EXPECT_EQ(std::get<gemini::Rejection>(made).status, gemini::Status::bad_request);
    return std::get<gemini::Rejection>(made).meta;
}

// The front matter the build reads from `bytes`.
syndication::FrontMatter meta_of(const std::string& bytes, const Target& target) {
    return capsule::parse_document_file(bytes, target.stem, target.format == Format::plain_text).meta;
}

TEST(PrepareDocument, ANewDocumentWithoutFrontMatterGetsOne) {
    const std::string body = "Min nya artikel\n\nFörsta stycket.\n";
    const Prepared p = prepared(body, plain);
    EXPECT_EQ(p.bytes, "+++\ntitle = \"Min nya artikel\"\nslug = \"ny\"\npublished = 2026-12-01T10:20:30Z\n+++\n" + body);
    EXPECT_EQ(p.slug, "ny");
    const auto meta = meta_of(p.bytes, plain);
    EXPECT_EQ(meta.title, "Min nya artikel");
    EXPECT_EQ(syndication::to_rfc3339(meta.published), "2026-12-01T10:20:30Z");
    EXPECT_FALSE(meta.updated);
}

TEST(PrepareDocument, AGemtextTitleLosesItsMarkup) {
    EXPECT_EQ(meta_of(prepared("# Rubriken\n\nText.\n", gemtext).bytes, gemtext).title, "Rubriken");
    EXPECT_EQ(meta_of(prepared("\n\n=> /a.gmi Länken\n", gemtext).bytes, gemtext).title, "Länken");
}

TEST(PrepareDocument, ATitleWithQuotesBackslashesAndControlsIsWrittenAsTomlReadsIt) {
    const Prepared p = prepared("Han sa \"hej\" \\ och\x7F gick\n", plain);
    EXPECT_EQ(meta_of(p.bytes, plain).title, "Han sa \"hej\" \\ och\x7F gick");
}

TEST(PrepareDocument, SentFrontMatterIsKeptAsWrittenAndGetsPublishedWhenItHasNone) {
    const std::string with = "+++\ntitle = \"T\" # kept\npublished = 2020-05-01\n+++\nT\n";
    EXPECT_EQ(prepared(with, plain).bytes, with);
    const std::string without = "+++\ntitle = \"T\"\n[[authors]]\nname = \"A\"\n+++\nT\n";
    const Prepared p = prepared(without, plain);
    // Inserted first: a top-level key after a [table] header would belong to the table.
    EXPECT_EQ(p.bytes, "+++\npublished = 2026-12-01T10:20:30Z\ntitle = \"T\"\n[[authors]]\nname = \"A\"\n+++\nT\n");
    EXPECT_EQ(meta_of(p.bytes, plain).authors.size(), 1u);
}

const std::string old_document =
    "+++\ntitle = \"Gammal rubrik\"\nslug = \"ny\"\npublished = 2023-03-20 # datum\nsummary = \"S\"\n+++\nGammal rubrik\n\nGammal text.\n";

TEST(PrepareDocument, AnEditWithoutFrontMatterKeepsTheHeaderAndMovesUpdated) {
    const Prepared p = prepared("Ny rubrik\n\nNy text.\n", plain, old_document);
    const auto meta = meta_of(p.bytes, plain);
    EXPECT_EQ(syndication::to_rfc3339(meta.published), "2023-03-20T00:00:00Z");
    ASSERT_TRUE(meta.updated);
    EXPECT_EQ(syndication::to_rfc3339(*meta.updated), "2026-12-01T10:20:30Z");
    EXPECT_EQ(meta.summary, "S");
    // The title was the old first line, so it follows the new one.
    EXPECT_EQ(meta.title, "Ny rubrik");
    EXPECT_TRUE(p.bytes.ends_with("+++\nNy rubrik\n\nNy text.\n"));
    EXPECT_NE(p.bytes.find("published = 2023-03-20 # datum\n"), std::string::npos);
}

TEST(PrepareDocument, AHandWrittenTitleStaysAndAnOldUpdatedIsReplaced) {
    const std::string old = "+++\ntitle = \"Egen\"\npublished = 2023-03-20\nupdated = 2023-04-01\n+++\nFörsta raden\n\nText.\n";
    const Prepared p = prepared("Annan rad\n\nText.\n", plain, old);
    const auto meta = meta_of(p.bytes, plain);
    EXPECT_EQ(meta.title, "Egen");
    EXPECT_EQ(syndication::to_rfc3339(*meta.updated), "2026-12-01T10:20:30Z");
    EXPECT_EQ(p.bytes.find("2023-04-01"), std::string::npos);
}

TEST(PrepareDocument, AnEditWithFrontMatterKeepsTheOldPublishedUnlessItSetsOne) {
    const Prepared kept = prepared("+++\ntitle = \"Ny\"\n+++\nNy\n", plain, old_document);
    EXPECT_EQ(kept.bytes, "+++\npublished = 2023-03-20 # datum\nupdated = 2026-12-01T10:20:30Z\ntitle = \"Ny\"\n+++\nNy\n");
    const Prepared set = prepared("+++\ntitle = \"Ny\"\npublished = 2024-01-01\nupdated = 2024-02-01\n+++\nNy\n", plain,
                                  old_document);
    const auto meta = meta_of(set.bytes, plain);
    EXPECT_EQ(syndication::to_rfc3339(meta.published), "2024-01-01T00:00:00Z");
    EXPECT_EQ(syndication::to_rfc3339(*meta.updated), "2026-12-01T10:20:30Z");
}

TEST(PrepareDocument, AnOldFileWithoutFrontMatterIsNoDocumentToKeep) {
    const Prepared p = prepared("Rubrik\n", plain, std::string_view("just text\n"));
    EXPECT_TRUE(p.bytes.starts_with("+++\ntitle = \"Rubrik\"\n"));
}

struct Refused {
    const char* name;
    std::string body;
    bool plain;
    std::string meta;
};

TEST(PrepareDocument, EachRefusalAtTheLineTheClientSent) {
    const std::vector<Refused> rows = {
        {"not_utf8", "Rubrik\n\ntext\n\xC3\x28\n", true, "4: invalid UTF-8"},
        {"overlong", "Rubrik\n\xC0\xAF\n", true, "2: invalid UTF-8"},
        {"not_xml", "Rubrik\n\nett \x01 tecken\n", true, "3: character U+0001 is not allowed in XML 1.0"},
        {"not_xml_in_the_title", "Rub\x02rik\n\ntext\n", true, "1: character U+0002 is not allowed in XML 1.0"},
        {"no_title", "\n\n  \n", true, "1: the first line is the title, and there is none"},
        {"no_title_gemtext", "#\n", false, "1: the first line is the title, and there is none"},
        {"toml_syntax", "+++\ntitle = \"T\"\npublished = 2020-13-01\n+++\nT\n", true, "3: front matter:"},
        {"unclosed", "+++\ntitle = \"T\"\nT\n", true, "1: front matter opened here is never closed"},
        {"unknown_key", "+++\ntitle = \"T\"\ntitel = \"x\"\n+++\nT\n", true, "3: unknown front matter key \"titel\""},
        {"no_title_key", "+++\nslug = \"ny\"\n+++\nT\n", true, "1: front matter has no title"},
        {"bad_related", "+++\ntitle = \"T\"\nrelated = [\"x.gmi\"]\n+++\nT\n", true,
         "3: related path \"x.gmi\" must be an absolute capsule path"},
        {"other_slug", "+++\ntitle = \"T\"\n\nslug = \"annan\"\n+++\nT\n", true,
         "4: slug must be \"ny\": a document is served under the name it is uploaded to"},
        {"plain_without_title_line", "+++\ntitle = \"T\"\npublished = 2020-01-01\n+++\n\n\n", true, "no title"},
        {"updated_before_now_published", "+++\ntitle = \"T\"\nupdated = 2020-01-01\n+++\nT\n", true,
         "3: updated (2020-01-01T00:00:00Z) is earlier than published (2026-12-01T10:20:30Z)"},
    };
    for (const Refused& row : rows) {
        SCOPED_TRACE(row.name);
        const std::string meta = refusal(row.body, row.plain ? plain : gemtext);
        EXPECT_TRUE(meta.starts_with(row.meta) || (row.meta == "no title" && meta.find("title") != std::string::npos))
            << meta;
    }
}

TEST(PrepareDocument, AProblemInKapselsOwnLinesSaysWhoseTheyAre) {
    // The old document's published is after now: the updated kapsel writes is earlier.
    const std::string old = "+++\ntitle = \"Egen\"\npublished = 2099-01-01\n+++\nText\n";
    const std::string meta = refusal("Text\n", plain, old);
    EXPECT_EQ(meta, "updated (2026-12-01T10:20:30Z) is earlier than published (2099-01-01T00:00:00Z) (in the front matter "
                    "kept from the document this replaces, line 2)");
}

TEST(LineMap, ShiftsTheLinesAfterKapselsAndNamesItsOwn) {
    const LineMap map{2, 2, 6, 0, "kapsel's"};
    EXPECT_EQ(map.upload_line(1), 1);
    EXPECT_EQ(map.upload_line(2), std::nullopt);
    EXPECT_EQ(map.upload_line(3), std::nullopt);
    EXPECT_EQ(map.upload_line(4), 2);
    EXPECT_EQ(map.upload_line(6), std::nullopt);
    EXPECT_EQ(map.upload_line(7), 5);
    EXPECT_EQ(map.rejection(7, "m").meta, "5: m");
    EXPECT_EQ(map.rejection(3, "m").meta, "m (kapsel's, line 3)");
    EXPECT_EQ(map.rejection(0, "m").meta, "m");
    EXPECT_EQ((LineMap{1, 5, 0, 3, "x"}.rejection(2, "m").meta), "3: m");
}

TEST(TitleFromFirstLine, TheFirstLineThatIsNotBlank) {
    struct Row {
        std::string body;
        bool plain;
        std::optional<std::pair<std::string, int>> title;
    };
    const std::vector<Row> rows = {
        {"Rubrik\ntext\n", true, std::pair{std::string("Rubrik"), 1}},
        {"\n  \n\t Rubrik med\tflik \r\n", true, std::pair{std::string("Rubrik med flik"), 3}},
        {"# Rubrik\n", true, std::pair{std::string("# Rubrik"), 1}},  // plain text keeps its words
        {"## Rubrik\n", false, std::pair{std::string("Rubrik"), 1}},
        {"* punkt\n", false, std::pair{std::string("punkt"), 1}},
        {"> citat\n", false, std::pair{std::string("citat"), 1}},
        {"=> gemini://x/\n", false, std::pair{std::string("gemini://x/"), 1}},
        {"```\nkod\n", false, std::pair{std::string("kod"), 2}},
        {"```alt\nkod\n", false, std::pair{std::string("alt"), 1}},
        {"", true, std::nullopt},
        {"\n \n", false, std::nullopt},
    };
    for (const Row& row : rows) {
        SCOPED_TRACE(row.body);
        EXPECT_EQ(title_from_first_line(row.body, row.plain), row.title);
    }
}

TEST(ServedPaths, ThePageAndAPlainTextsText) {
    EXPECT_EQ(served_paths("+++\ntitle = \"T\"\npublished = 2020-01-01\n+++\nT\n", "artiklar", "ny", true),
              (std::vector<std::string>{"/artiklar/ny.gmi", "/artiklar/ny.txt"}));
    EXPECT_EQ(served_paths("+++\ntitle = \"T\"\nslug = \"annan\"\npublished = 2020-01-01\n+++\n", "a", "ny", false),
              (std::vector<std::string>{"/a/annan.gmi"}));
    EXPECT_EQ(served_paths("+++\nbroken", "a", "ny", false), (std::vector<std::string>{"/a/ny.gmi"}));
}

}  // namespace
}  // namespace kapsel::upload
