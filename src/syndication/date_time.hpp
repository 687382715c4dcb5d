#pragma once
/// Dates from front matter: validation, RFC 3339 text and a UTC sort key (in words: wording.hpp).

#include <compare>
#include <cstdint>
#include <optional>
#include <string>

namespace kapsel::syndication {

/// A calendar date and time as authored. A date written without a time (a TOML local date)
/// is midnight UTC; `offset_minutes` is the authored offset from UTC.
struct DateTime {
    int year = 1970;
    int month = 1;
    int day = 1;
    int hour = 0;
    int minute = 0;
    int second = 0;
    std::uint32_t nanosecond = 0;
    int offset_minutes = 0;

    friend bool operator==(const DateTime&, const DateTime&) = default;
};

/// Why `dt` is not a real moment ("month 13 is out of range"), or nullopt when it is.
std::optional<std::string> validate(const DateTime& dt);

/// RFC 3339 / Atom date-time: "2023-03-20T00:00:00Z", "2023-03-20T08:30:00+01:00";
/// fractional seconds only when present, without trailing zeros.
std::string to_rfc3339(const DateTime& dt);

/// The authored calendar date, "YYYY-MM-DD" (what the gemsub index shows).
std::string to_iso_date(const DateTime& dt);

/// A moment on the UTC time line, so that dates in different offsets compare correctly:
/// seconds since 1970-01-01T00:00:00Z and the fraction. Kept apart because nanoseconds in one
/// 64-bit count only reach 1677–2262, and authored years run from 0 to 9999.
struct UtcKey {
    std::int64_t seconds = 0;
    std::uint32_t nanosecond = 0;

    friend auto operator<=>(const UtcKey&, const UtcKey&) = default;
};

/// Computed arithmetically (proleptic Gregorian), no time zone database.
UtcKey utc_sort_key(const DateTime& dt);

/// The moment `seconds` after 1970-01-01T00:00:00Z, written in UTC (the caller reads the clock).
DateTime utc_from_unix_seconds(std::int64_t seconds);

/// The same moment written in UTC (offset 0): 2023-04-01T00:30:00+02:00 → 2023-03-31T22:30:00Z.
DateTime to_utc(const DateTime& dt);

}  // namespace kapsel::syndication
