#include <gtest/gtest.h>

#include "syndication/gemsub_index.hpp"

namespace kapsel::syndication {
namespace {

// The list as the build writes it: each entry's line, newest first.
std::string render_gemsub_list(std::vector<Entry> entries) {
    sort_newest_first(entries);
    std::string out;
    for (const Entry& e : entries) out += gemsub_line(e);
    return out;
}

Entry entry(std::string path, std::string title, DateTime updated, DateTime published = {}) {
    Entry e;
    e.path = std::move(path);
    e.slug = "s";
    e.title = std::move(title);
    e.updated = updated;
    e.published = published == DateTime{} ? updated : published;
    return e;
}

TEST(GemsubIndex, NewestFirstWithDeterministicTies) {
    const std::vector<Entry> entries{
        entry("/b.gmi", "B", {2026, 11, 26}),
        entry("/old.gmi", "Gammal", {2023, 3, 20}),
        entry("/a.gmi", "A", {2026, 11, 26}),
        entry("/c.gmi", "C, tidigare publicerad", {2026, 11, 26}, {2026, 1, 1}),
        entry("/late.gmi", "Sen kväll", {2026, 11, 26, 23, 0, 0, 0, 0}),
    };
    const std::string expected =
        "=> /late.gmi 2026-11-26 - Sen kväll\n"
        "=> /a.gmi 2026-11-26 - A\n"
        "=> /b.gmi 2026-11-26 - B\n"
        "=> /c.gmi 2026-11-26 - C, tidigare publicerad\n"
        "=> /old.gmi 2023-03-20 - Gammal\n";
    EXPECT_EQ(render_gemsub_list(entries), expected);
    // The input order never matters.
    std::vector<Entry> reversed(entries.rbegin(), entries.rend());
    EXPECT_EQ(render_gemsub_list(reversed), expected);
}

TEST(GemsubIndex, ComparesInstantsButShowsTheAuthoredDay) {
    // 00:30+02:00 on the 21st is 22:30Z on the 20th: older than 23:00Z on the 20th.
    const std::vector<Entry> entries{
        entry("/x.gmi", "X", {2023, 3, 21, 0, 30, 0, 0, 120}),
        entry("/y.gmi", "Y", {2023, 3, 20, 23, 0, 0, 0, 0}),
    };
    EXPECT_EQ(render_gemsub_list(entries), "=> /y.gmi 2023-03-20 - Y\n=> /x.gmi 2023-03-21 - X\n");
}

// Found by fuzz_atom: outside 1677–2262 the sort key overflowed and old entries sorted first.
TEST(GemsubIndex, OrdersDatesFarFromTheEpoch) {
    const std::vector<Entry> entries{
        entry("/1600.gmi", "1600", {1600, 1, 1}),
        entry("/2300.gmi", "2300", {2300, 1, 1}),
        entry("/2023.gmi", "2023", {2023, 3, 20}),
    };
    EXPECT_EQ(render_gemsub_list(entries),
              "=> /2300.gmi 2300-01-01 - 2300\n=> /2023.gmi 2023-03-20 - 2023\n=> /1600.gmi 1600-01-01 - 1600\n");
}

TEST(GemsubIndex, Empty) { EXPECT_EQ(render_gemsub_list({}), ""); }

struct MarkerRow {
    std::string in;
    std::string out;
};

TEST(GemsubIndex, ExpandsOnlyExactMarkerLines) {
    const std::string list = "=> /a.gmi 2026-11-26 - A\n";
    const std::vector<MarkerRow> rows{
        {"# T\n{{ entries }}\n", "# T\n" + list},
        {"# T\n{{ entries }}", "# T\n" + list},
        {"{{ entries }}\r\nslut\n", list + "slut\n"},
        {"{{ entries }}\n{{ entries }}\n", list + list},
        {" {{ entries }}\n", " {{ entries }}\n"},
        {"{{entries}}\n", "{{entries}}\n"},
        {"text {{ entries }}\n", "text {{ entries }}\n"},
        {"", ""},
    };
    for (const auto& row : rows) EXPECT_EQ(expand_entries_marker(row.in, list), row.out) << row.in;
}

TEST(GemsubIndex, FindsLinesThatLookLikeTheMarkerButAreServedAsWritten) {
    struct Row {
        std::string in;
        std::vector<int> lines;
    };
    const std::vector<Row> rows{
        {"# T\n{{ entries }}\n", {}},
        {"{{entries}}\n", {1}},
        {" {{ entries }}\n", {1}},
        {"{{ entries }} \r\n", {1}},
        {"# T\n\ntext {{ entries }} text\n{{\tentries  }}\n", {3, 4}},
        {"{{ entries\n}}\n{ { entries } }\n{{ entry }}\n{{ entries }\n", {}},
        {"{{ {{ entries }}\n", {1}},
        // Inside a preformatted block the marker is shown on purpose; outside again, it counts.
        {"```\n{{entries}}\n {{ entries }}\n```\n{{entries}}\n", {5}},
        {"```unterminated\n{{entries}}\n", {}},
        {"", {}},
    };
    for (const auto& row : rows) EXPECT_EQ(stray_entries_markers(row.in), row.lines) << row.in;
}

}  // namespace
}  // namespace kapsel::syndication
