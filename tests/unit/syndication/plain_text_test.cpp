#include <gtest/gtest.h>

#include <algorithm>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "syndication/document_error.hpp"
#include "syndication/gemtext.hpp"
#include "syndication/plain_text.hpp"
#include "test_files.hpp"

namespace kapsel::syndication {
namespace {

std::vector<std::string> lines_of(std::string_view text) {
    std::vector<std::string> out;
    std::size_t pos = 0;
    while (pos < text.size()) {
        const std::size_t nl = text.find('\n', pos);
        out.emplace_back(text.substr(pos, nl == std::string_view::npos ? text.npos : nl - pos));
        pos = nl == std::string_view::npos ? text.size() : nl + 1;
    }
    return out;
}

// The seed's sentences: split after . ! ? (and a closing quote) followed by a space or line end.
// Abbreviations such as "bl.a." split too, which only makes the check stricter.
std::vector<std::string> sentences_of(std::string_view text) {
    std::vector<std::string> out;
    std::string current;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c == '\n') {
            if (!current.empty()) out.push_back(current);
            current.clear();
            continue;
        }
        current += c;
        const bool end = c == '.' || c == '!' || c == '?';
        if (end && (i + 1 == text.size() || text[i + 1] == ' ' || text[i + 1] == '\n')) {
            out.push_back(current);
            current.clear();
            if (i + 1 < text.size() && text[i + 1] == ' ') ++i;
        }
    }
    if (!current.empty()) out.push_back(current);
    std::erase_if(out, [](const std::string& s) { return s.find_first_not_of(' ') == std::string::npos; });
    for (auto& s : out) s.erase(0, s.find_first_not_of(' '));
    return out;
}

std::string seed_without_residue() {
    std::string seed = testing::seed_text();
    const std::string residue = std::string("\n") + testing::share_residue;
    EXPECT_TRUE(seed.ends_with(residue));
    seed.resize(seed.size() - residue.size());
    return seed;
}

std::string converted_article() {
    const std::string source = testing::article_source();
    const DocumentSource doc = parse_document(source, "tryggt-umea");
    const PlainText text = parse_plain_text(doc.body, doc.body_line);
    PageLinks links;
    links.text_path = "/artiklar/tryggt-umea.txt";
    links.related = {{"/anteckningar/om-artikeln.gmi", "Om artikeln"}};
    return render_gemtext(doc.meta, text, links, wording_for("sv"));
}

TEST(SeedArticle, CapsuleSourceIsTheSeedMinusTheShareButtons) {
    const std::string source = testing::article_source();
    const DocumentSource doc = parse_document(source, "tryggt-umea");
    EXPECT_EQ(doc.body, seed_without_residue());
    EXPECT_EQ(source.find(testing::share_residue), std::string::npos);
}

TEST(SeedArticle, EverySentenceAppearsVerbatimAndInOrder) {
    const std::string page = converted_article();
    const auto sentences = sentences_of(seed_without_residue());
    ASSERT_GE(sentences.size(), 38u);  // 36 ending in . ! ?, the title and the signature
    std::size_t pos = 0;
    for (const std::string& sentence : sentences) {
        const std::size_t found = page.find(sentence, pos);
        ASSERT_NE(found, std::string::npos) << "missing or out of order: " << sentence;
        pos = found + sentence.size();
    }
}

TEST(SeedArticle, EveryParagraphIsOneGemtextLine) {
    const std::string page = converted_article();
    const auto page_lines = lines_of(page);
    const auto seed_lines = lines_of(seed_without_residue());
    EXPECT_EQ(page_lines.front(), "# " + seed_lines.front());
    for (std::size_t i = 1; i < seed_lines.size(); ++i) {
        if (seed_lines[i].empty()) continue;
        EXPECT_NE(std::find(page_lines.begin(), page_lines.end(), seed_lines[i]), page_lines.end()) << seed_lines[i];
    }
}

TEST(SeedArticle, ResidueNeverReachesReaders) {
    // Even converting the raw seed would show it, so the capsule source must not have it.
    EXPECT_EQ(converted_article().find(testing::share_residue), std::string::npos);
}

TEST(SeedArticle, BylineDatesAndLinks) {
    const std::string page = converted_article();
    EXPECT_NE(page.find("\nAv Hans Lindberg (S), kommunalråd i Umeå kommun, och Janet Ågren (S), kommunalråd i Umeå "
                        "kommun.\nPublicerad den 20 mars 2023 i Västerbottens-Kuriren.\n"),
              std::string::npos)
        << page;
    EXPECT_TRUE(page.ends_with("\n## Läs mer\n\n"
                               "=> /anteckningar/om-artikeln.gmi Om artikeln\n\n"
                               "=> /artiklar/tryggt-umea.txt Texten som ren text (text/plain)\n"
                               "=> / Till startsidan\n"
                               "=> /atom.xml Prenumerera via Atom-flödet\n"))
        << page;
}

TEST(PlainText, ParagraphsAreJoinedLines) {
    const PlainText t = parse_plain_text("\n\nRubrik  \nFörsta raden\n  andra raden\r\n\n\n\nNytt stycke.\n   \nSist", 7);
    EXPECT_EQ(t.title, "Rubrik");
    EXPECT_EQ(t.paragraphs, (std::vector<std::string>{"Första raden andra raden", "Nytt stycke.", "Sist"}));
    EXPECT_EQ(lede(t), "Första raden andra raden");
    EXPECT_EQ(lede(parse_plain_text("Bara rubrik\n", 1)), "Bara rubrik");
}

TEST(PlainText, CarriageReturnInsideALineBecomesASpace) {
    // Some clients break lines at a lone CR; "=> x" must not turn into a link there.
    const PlainText t = parse_plain_text("Rubrik\r=> gemini://evil/\n\nStycke\r=> /x\r\n", 1);
    EXPECT_EQ(t.title, "Rubrik => gemini://evil/");
    EXPECT_EQ(t.paragraphs, (std::vector<std::string>{"Stycke => /x"}));
}

TEST(PlainText, EmptyBodyIsAnError) {
    try {
        parse_plain_text("\n  \n", 7);
        FAIL();
    } catch (const DocumentError& e) {
        EXPECT_EQ(e.line(), 7);
    }
    // Found by fuzz_front_matter: no body after a final "+++" without a line ending is
    // reported on that "+++" line, not on a line past the end of the file.
    const std::string source = "+++\ntitle = \"T\"\npublished = 2023-03-20\n+++";
    const DocumentSource doc = parse_document(source, "x");
    try {
        parse_plain_text(doc.body, doc.body_line);
        FAIL();
    } catch (const DocumentError& e) {
        EXPECT_EQ(e.line(), 4);
    }
}

struct MarkupRow {
    std::string paragraph;
    std::string line;  // as it must appear on the page
};

TEST(PlainText, WouldBeMarkupIsNeutralised) {
    const std::vector<MarkupRow> rows{
        {"=> gemini://evil.example/ klicka", " => gemini://evil.example/ klicka"},
        {"=>/x", " =>/x"},
        {"# Inte en rubrik", " # Inte en rubrik"},
        {"## Inte heller", " ## Inte heller"},
        {"* inte en lista", " * inte en lista"},
        {"*betoning*", " *betoning*"},
        {"> inget citat", " > inget citat"},
        {"```", " ```"},
        {"```alt text\nfortsättning", " ```alt text fortsättning"},
        {"= > ofarlig", "= > ofarlig"},
        {"Vanlig text # med => tecken > inuti", "Vanlig text # med => tecken > inuti"},
        {"  => redan indragen", "  => redan indragen"},
    };
    FrontMatter meta;
    meta.title = "T";
    meta.published = {2023, 3, 20};
    for (const auto& row : rows) {
        SCOPED_TRACE(row.paragraph);
        const PlainText t = parse_plain_text("Rubrik\n\n" + row.paragraph + "\n", 1);
        const auto page = lines_of(render_gemtext(meta, t, {}, wording_for("sv")));
        EXPECT_NE(std::find(page.begin(), page.end(), row.line), page.end());
    }
    // A title that looks like markup is only ever a heading's text.
    const PlainText t = parse_plain_text("=> /x rubrik\n\ntext\n", 1);
    EXPECT_TRUE(render_gemtext(meta, t, {}, wording_for("sv")).starts_with("# => /x rubrik\n"));
}

TEST(PlainText, NoConvertedLineStartsAsMarkupExceptOurOwn) {
    FrontMatter meta;
    meta.title = "T";
    meta.published = {2023, 3, 20};
    meta.authors = {{"# Namn", ""}};
    const PlainText t = parse_plain_text("Rubrik\n\n=> a\n\n* b\n\n> c\n\n```\n\n#d\n", 1);
    const auto page = lines_of(render_gemtext(meta, t, {}, wording_for("sv")));
    int links = 0, headings = 0;
    for (const auto& line : page) {
        if (line.starts_with("=>")) ++links;
        if (line.starts_with('#')) ++headings;
        EXPECT_FALSE(line.starts_with('*') || line.starts_with('>') || line.starts_with("```")) << line;
    }
    EXPECT_EQ(headings, 1);  // the title
    EXPECT_EQ(links, 2);     // index and feed
}

TEST(Wording, SwedishByline) {
    const Wording& sv = wording_for("sv");
    EXPECT_EQ(byline({}, sv), "");
    EXPECT_EQ(byline({{"A", ""}}, sv), "Av A.");
    EXPECT_EQ(byline({{"A", ""}, {"B", ""}}, sv), "Av A och B.");
    EXPECT_EQ(byline({{"A", "x"}, {"B", "y"}}, sv), "Av A, x, och B, y.");
    EXPECT_EQ(byline({{"A", ""}, {"B", ""}, {"C", ""}}, sv), "Av A, B och C.");
}

TEST(Wording, DateLines) {
    const Wording& sv = wording_for("sv");
    FrontMatter meta;
    meta.published = {2023, 3, 20};
    EXPECT_EQ(date_lines(meta, sv), (std::vector<std::string>{"Publicerad den 20 mars 2023."}));
    meta.published_in = "Västerbottens-Kuriren";
    meta.updated = DateTime{2023, 3, 20, 12};
    EXPECT_EQ(date_lines(meta, sv), (std::vector<std::string>{"Publicerad den 20 mars 2023 i Västerbottens-Kuriren."}));
    meta.updated = DateTime{2023, 4, 2};
    EXPECT_EQ(date_lines(meta, sv), (std::vector<std::string>{"Publicerad den 20 mars 2023 i Västerbottens-Kuriren.",
                                                             "Uppdaterad den 2 april 2023."}));
}

TEST(Wording, ChosenByTheDocumentsLanguage) {
    EXPECT_EQ(wording_for("sv").read_more, "Läs mer");
    EXPECT_EQ(wording_for("sv-FI").read_more, "Läs mer");
    EXPECT_EQ(wording_for("EN-gb").read_more, "Read more");
    EXPECT_EQ(wording_for("de").read_more, "Läs mer");  // the house language for the rest
    const Wording& en = wording_for("en");
    EXPECT_EQ(byline({{"A", "x"}, {"B", "y"}}, en), "By A, x, and B, y.");
    FrontMatter meta;
    meta.published = {2023, 3, 20};
    meta.published_in = "Västerbottens-Kuriren";
    EXPECT_EQ(date_lines(meta, en), (std::vector<std::string>{"Published on 20 March 2023 in Västerbottens-Kuriren."}));
}

TEST(Wording, DatesInWords) {
    EXPECT_EQ(date_in_words({2023, 3, 20}, wording_for("sv")), "20 mars 2023");
    EXPECT_EQ(date_in_words({2026, 11, 26}, wording_for("sv")), "26 november 2026");
    EXPECT_EQ(date_in_words({2022, 6, 1}, wording_for("sv")), "1 juni 2022");
    EXPECT_EQ(date_in_words({2022, 6, 1}, wording_for("en")), "1 June 2022");
}

TEST(Gemtext, LinkPathsAreEncoded) {
    EXPECT_EQ(link_line("/en fil.gmi", "Etikett"), "=> /en%20fil.gmi Etikett");
    EXPECT_EQ(link_line("/å.gmi", ""), "=> /%C3%A5.gmi");
}

TEST(Gemtext, FirstTextLine) {
    EXPECT_EQ(first_text_line("# R\n## U\n\n=> /x y\n* l\n> q\n```\npre\n```\n  Första.  \nAndra.\n"), "Första.");
    EXPECT_EQ(first_text_line("# R\n"), std::nullopt);
}

}  // namespace
}  // namespace kapsel::syndication
