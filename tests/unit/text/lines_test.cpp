#include "text/lines.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "text/ascii.hpp"
#include "text/language_tag.hpp"

namespace kapsel::text {
namespace {

std::vector<std::string> contents(std::string_view s) {
    std::vector<std::string> out;
    for (const Line& line : Lines(s)) out.emplace_back(line.content);
    return out;
}

TEST(Lines, SplitAtLfWithCrlfBelongingToTheEnding) {
    EXPECT_EQ(contents(""), std::vector<std::string>{});
    EXPECT_EQ(contents("a"), std::vector<std::string>{"a"});
    EXPECT_EQ(contents("a\n"), std::vector<std::string>{"a"});
    EXPECT_EQ(contents("a\nb"), (std::vector<std::string>{"a", "b"}));
    EXPECT_EQ(contents("a\r\nb\r\n"), (std::vector<std::string>{"a", "b"}));
    EXPECT_EQ(contents("\n\n"), (std::vector<std::string>{"", ""}));
    EXPECT_EQ(contents("a\rb\n"), std::vector<std::string>{"a\rb"});  // a lone CR ends nothing
    EXPECT_EQ(contents("a\r"), std::vector<std::string>{"a"});        // but one at the very end does
}

TEST(Lines, KnowTheirOffsetsNumbersAndEndings) {
    const std::string_view text = "eins\r\nzwei\ndrei";
    std::vector<Line> lines(Lines(text, 10).begin(), Lines(text, 10).end());
    ASSERT_EQ(lines.size(), 3u);
    EXPECT_EQ(lines[0].offset, 0u);
    EXPECT_EQ(lines[0].number, 10);
    EXPECT_EQ(lines[0].with_ending, "eins\r\n");
    EXPECT_EQ(lines[1].offset, 6u);
    EXPECT_EQ(lines[1].with_ending, "zwei\n");
    EXPECT_EQ(lines[2].number, 12);
    EXPECT_EQ(lines[2].with_ending, "drei");
    std::string rebuilt;
    for (const Line& l : Lines(text)) rebuilt += l.with_ending;
    EXPECT_EQ(rebuilt, text);
}

struct LineRow {
    std::string text;
    std::size_t offset;
    int line;
};

TEST(Lines, LineNumberAtAnOffset) {
    const std::vector<LineRow> rows = {
        {"", 0, 1},
        {"a\nb\nc", 0, 1},
        {"a\nb\nc", 1, 1},  // the newline belongs to the line it ends
        {"a\nb\nc", 2, 2},
        {"a\nb\nc", 4, 3},
        {"a\nb\nc", 99, 3},  // past the end: the last line
        {"a\r\nb", 3, 2},
        {"a\n", 2, 2},
    };
    for (const auto& row : rows)
        EXPECT_EQ(line_number_at(row.text, row.offset), row.line) << testing::PrintToString(row.text) << " at "
                                                                  << row.offset;
}

TEST(Ascii, CaseIgnoresEverythingButAToZ) {
    EXPECT_EQ(to_lower("GeMiNi://LOCALHOST/Å"), "gemini://localhost/Å");
    EXPECT_TRUE(equals_ignoring_case("SV", "sv"));
    EXPECT_FALSE(equals_ignoring_case("sv", "sve"));
    EXPECT_FALSE(equals_ignoring_case("Å", "å"));  // not ASCII: compared as bytes
}

TEST(Ascii, Hex) {
    EXPECT_EQ(hex_value('0'), 0);
    EXPECT_EQ(hex_value('f'), 15);
    EXPECT_EQ(hex_value('F'), 15);
    EXPECT_EQ(hex_value('g'), -1);
    std::string out;
    append_hex(out, 0x2F);
    append_hex(out, 0xAB, HexCase::lower);
    EXPECT_EQ(out, "2Fab");
}

TEST(LanguageTag, OneWellFormedTag) {
    for (const char* good : {"sv", "en-GB", "zh-Hant-TW", "sv-x-umea", "SV", "es-419", "gsw"})
        EXPECT_TRUE(is_language_tag(good)) << good;
    for (const char* bad : {"", "s", "sv,en", "sv en", "sv-", "-sv", "sv--fi", "123", "sv-abcdefghi", "s v", "sv_SE"})
        EXPECT_FALSE(is_language_tag(bad)) << bad;
    EXPECT_EQ(primary_language("sv-FI"), "sv");
    EXPECT_EQ(primary_language("en"), "en");
}

}  // namespace
}  // namespace kapsel::text
