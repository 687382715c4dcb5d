// UTF-8 validation shared by the request parser, the response header and other modules.

#include "gemini/utf8.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace kapsel::gemini {
namespace {

using namespace std::string_literals;

struct Utf8Row {
    std::string bytes;
    bool valid;
};

const std::vector<Utf8Row> utf8_rows = {
    {"", true},
    {"plain ASCII", true},
    {"\0"s, true},
    {"\x7F", true},
    {"\xC2\x80", true},              // U+0080, smallest 2-byte
    {"\xDF\xBF", true},              // U+07FF
    {"\xE0\xA0\x80", true},          // U+0800, smallest 3-byte
    {"\xED\x9F\xBF", true},          // U+D7FF, just below surrogates
    {"\xEE\x80\x80", true},          // U+E000, just above
    {"\xEF\xBB\xBF", true},          // BOM is a valid character
    {"\xEF\xBF\xBF", true},          // U+FFFF
    {"\xF0\x90\x80\x80", true},      // U+10000, smallest 4-byte
    {"\xF4\x8F\xBF\xBF", true},      // U+10FFFF, the last code point
    {"r\xC3\xA4ksm\xC3\xB6rg\xC3\xA5s", true},
    {"\x80", false},                 // lone continuation
    {"\xBF", false},
    {"\xC0\x80", false},             // overlong NUL
    {"\xC0\xAE", false},             // overlong '.'
    {"\xC1\xBF", false},             // overlong
    {"\xE0\x80\xAE", false},         // overlong 3-byte '.'
    {"\xE0\x9F\xBF", false},         // overlong U+07FF
    {"\xF0\x80\x80\xAE", false},     // overlong 4-byte '.'
    {"\xF0\x8F\xBF\xBF", false},     // overlong U+FFFF
    {"\xED\xA0\x80", false},         // U+D800 surrogate
    {"\xED\xBF\xBF", false},         // U+DFFF surrogate
    {"\xF4\x90\x80\x80", false},     // U+110000
    {"\xF5\x80\x80\x80", false},
    {"\xF8\x88\x80\x80\x80", false}, // 5-byte form
    {"\xFE", false},
    {"\xFF", false},
    {"\xC3", false},                 // truncated
    {"\xE2\x82", false},
    {"\xF0\x9F\x98", false},
    {"\xC3(", false},                // bad continuation
    {"\xE2\x28\xA1", false},
    {"a\xC3\xA9\xFF", false},
};

TEST(Utf8, ValidatesWellFormedness) {
    for (const auto& row : utf8_rows) {
        EXPECT_EQ(is_valid_utf8(row.bytes), row.valid) << testing::PrintToString(row.bytes);
        EXPECT_EQ(find_invalid_utf8(row.bytes).has_value(), !row.valid) << testing::PrintToString(row.bytes);
    }
}

struct DecodeRow {
    std::string bytes;
    std::size_t offset;
    std::uint32_t value;
    std::size_t length;  // 0: no valid sequence starts at offset
};

const std::vector<DecodeRow> decode_rows = {
    {"a", 0, 'a', 1},
    {"\0"s, 0, 0, 1},
    {"\xC2\x80", 0, 0x80, 2},
    {"Ume\xC3\xA5", 3, 0xE5, 2},
    {"\xE2\x82\xAC", 0, 0x20AC, 3},
    {"\xEF\xBF\xBE", 0, 0xFFFE, 3},  // a noncharacter is still UTF-8
    {"\xF0\x9F\x99\x82", 0, 0x1F642, 4},
    {"\xF4\x8F\xBF\xBF", 0, 0x10FFFF, 4},
    {"\xF0\x9F\x99\x82", 1, 0, 0},  // inside a sequence
    {"\xC0\xAE", 0, 0, 0},            // overlong
    {"\xED\xA0\x80", 0, 0, 0},        // surrogate
    {"\xF4\x90\x80\x80", 0, 0, 0},    // above U+10FFFF
    {"x\xE2\x82", 1, 0, 0},           // truncated at the end
};

TEST(Utf8, DecodesCodePoints) {
    for (const auto& row : decode_rows) {
        const CodePoint cp = decode_utf8(row.bytes, row.offset);
        EXPECT_EQ(cp.bytes, row.length) << testing::PrintToString(row.bytes) << " at " << row.offset;
        EXPECT_EQ(utf8_sequence_length(row.bytes, row.offset), row.length);
        if (row.length != 0) {
            EXPECT_EQ(cp.value, row.value) << testing::PrintToString(row.bytes);
        }
    }
}

TEST(Utf8, FindsTheFirstInvalidByte) {
    EXPECT_EQ(find_invalid_utf8("Ume\xC3\xA5"), std::nullopt);
    EXPECT_EQ(find_invalid_utf8("ab\xFF"), std::optional<std::size_t>(2));
    EXPECT_EQ(find_invalid_utf8("\xF4\x90\x80\x80"), std::optional<std::size_t>(0));  // above U+10FFFF
    EXPECT_EQ(find_invalid_utf8("\xC3\xA5\xC3"), std::optional<std::size_t>(2));      // truncated
}

struct ControlRow {
    std::string text;
    bool has_control;
};

const std::vector<ControlRow> control_rows = {
    {"", false},
    {"text with spaces", false},
    {"\xC3\xA5\xC2\xA0", false},  // å, NBSP (U+00A0 is not a control)
    {"\0"s, true},
    {"\t", true},
    {"\x1F", true},
    {"\x7F", true},
    {"\xC2\x80", true},  // U+0080
    {"\xC2\x9F", true},  // U+009F
};

TEST(Utf8, FindsControlCharacters) {
    for (const auto& row : control_rows) {
        EXPECT_EQ(has_control_character(row.text), row.has_control) << testing::PrintToString(row.text);
    }
}

}  // namespace
}  // namespace kapsel::gemini
