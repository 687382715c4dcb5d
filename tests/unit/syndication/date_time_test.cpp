#include <gtest/gtest.h>

#include "syndication/date_time.hpp"

namespace kapsel::syndication {
namespace {

struct Rfc3339Row {
    DateTime in;
    const char* expected;
};

TEST(DateTime, FormatsRfc3339) {
    const std::vector<Rfc3339Row> rows{
        {{2023, 3, 20, 0, 0, 0, 0, 0}, "2023-03-20T00:00:00Z"},
        {{2023, 3, 20, 8, 5, 9, 0, 60}, "2023-03-20T08:05:09+01:00"},
        {{2023, 12, 31, 23, 59, 59, 0, -330}, "2023-12-31T23:59:59-05:30"},
        {{2026, 11, 26, 12, 0, 0, 500'000'000, 0}, "2026-11-26T12:00:00.5Z"},
        {{2026, 11, 26, 12, 0, 0, 123'456'789, 120}, "2026-11-26T12:00:00.123456789+02:00"},
        {{999, 1, 2, 3, 4, 5, 0, 0}, "0999-01-02T03:04:05Z"},
    };
    for (const auto& row : rows) EXPECT_EQ(to_rfc3339(row.in), row.expected);
}

TEST(DateTime, IsoDateIsTheAuthoredDay) {
    EXPECT_EQ(to_iso_date({2023, 3, 20, 23, 30, 0, 0, -60}), "2023-03-20");
}

TEST(DateTime, SortKeyIsUtc) {
    EXPECT_EQ(utc_sort_key({1970, 1, 1}), (UtcKey{0, 0}));
    EXPECT_EQ(utc_sort_key({1970, 1, 2}), (UtcKey{86'400, 0}));
    // 2000-03-01 is day 11017 since the epoch (leap day 2000-02-29 counted).
    EXPECT_EQ(utc_sort_key({2000, 3, 1}), (UtcKey{11017LL * 86'400, 0}));
    EXPECT_EQ(utc_sort_key({1970, 1, 1, 0, 0, 1, 5, 0}), (UtcKey{1, 5}));
    // 09:00+01:00 is 08:00Z: equal instants, whatever the offset.
    EXPECT_EQ(utc_sort_key({2023, 3, 20, 9, 0, 0, 0, 60}), utc_sort_key({2023, 3, 20, 8, 0, 0, 0, 0}));
    // 00:30+02:00 on the 21st is earlier than 23:00Z on the 20th.
    EXPECT_LT(utc_sort_key({2023, 3, 21, 0, 30, 0, 0, 120}), utc_sort_key({2023, 3, 20, 23, 0, 0, 0, 0}));
    EXPECT_LT(utc_sort_key({2023, 3, 20, 0, 0, 0, 1, 0}), utc_sort_key({2023, 3, 20, 0, 0, 0, 2, 0}));
}

// Found by fuzz_atom / fuzz_front_matter: as one count of nanoseconds the key overflowed
// outside 1677–2262 (undefined behaviour; in practice it wrapped and sorted 1600 after 2023).
TEST(DateTime, SortKeyCoversEveryValidYear) {
    const std::vector<std::pair<DateTime, DateTime>> earlier_later{
        {{1600, 1, 1}, {2023, 3, 20}},
        {{2023, 3, 20}, {2300, 1, 1}},
        {{0, 1, 1}, {9999, 12, 31, 23, 59, 59, 999'999'999, -23 * 60 - 59}},
        {{1677, 9, 21}, {1677, 9, 21, 0, 0, 0, 1, 0}},
        {{2262, 4, 12, 0, 0, 0, 0, 60}, {2262, 4, 12}},
    };
    for (const auto& [earlier, later] : earlier_later) {
        EXPECT_LT(utc_sort_key(earlier), utc_sort_key(later)) << to_rfc3339(earlier) << " < " << to_rfc3339(later);
    }
    EXPECT_EQ(utc_sort_key({0, 1, 1}).seconds, -62'167'219'200);
}

struct InvalidRow {
    DateTime in;
    const char* message;
};

TEST(DateTime, ValidateNamesTheBadField) {
    EXPECT_EQ(validate({2024, 2, 29}), std::nullopt);
    const std::vector<InvalidRow> rows{
        {{2023, 2, 29}, "day 29 does not exist in 2023-02"},
        {{2023, 13, 1}, "month 13 is out of range"},
        {{2023, 4, 31}, "day 31 does not exist in 2023-04"},
        {{2023, 1, 1, 24}, "hour 24 is out of range"},
        {{2023, 1, 1, 0, 60}, "minute 60 is out of range"},
        {{2023, 1, 1, 0, 0, 0, 0, 24 * 60}, "UTC offset is out of range"},
    };
    for (const auto& row : rows) EXPECT_EQ(validate(row.in), std::optional<std::string>(row.message));
}

}  // namespace
}  // namespace kapsel::syndication
