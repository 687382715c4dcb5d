#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "syndication/text_position.hpp"

namespace kapsel::syndication {
namespace {

struct LineRow {
    std::string text;
    std::size_t offset;
    int line;
};

const std::vector<LineRow> line_rows = {
    {"", 0, 1},
    {"a\nb\nc", 0, 1},
    {"a\nb\nc", 1, 1},  // the newline belongs to the line it ends
    {"a\nb\nc", 2, 2},
    {"a\nb\nc", 4, 3},
    {"a\nb\nc", 99, 3},  // past the end: the last line
    {"a\r\nb", 3, 2},
    {"a\n", 2, 2},
};

TEST(TextPosition, LineNumberAtAnOffset) {
    for (const auto& row : line_rows) {
        EXPECT_EQ(line_number_at(row.text, row.offset), row.line) << testing::PrintToString(row.text) << " at "
                                                                  << row.offset;
    }
}

}  // namespace
}  // namespace kapsel::syndication
