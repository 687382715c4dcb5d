#include "syndication/date_time.hpp"

#include <array>
#include <cstdio>
#include <cstdlib>

namespace kapsel::syndication {
namespace {

bool is_leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int days_in_month(int y, int m) {
    static constexpr std::array<int, 12> days{31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && is_leap(y) ? 29 : days[static_cast<std::size_t>(m - 1)];
}

// Howard Hinnant's days_from_civil: days since 1970-01-01 in the proleptic Gregorian calendar.
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
    y -= m <= 2;
    const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
    const auto yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

// Its inverse: the civil date of a day count.
void civil_from_days(std::int64_t z, int& y, int& m, int& d) {
    z += 719468;
    const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const auto doe = static_cast<unsigned>(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    d = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
    m = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
    y = static_cast<int>(static_cast<std::int64_t>(yoe) + era * 400 + (m <= 2));
}

std::string two(int v) {
    char buf[16];  // room for any int, though callers pass 0-99
    std::snprintf(buf, sizeof buf, "%02d", v);
    return buf;
}

}  // namespace

std::optional<std::string> validate(const DateTime& dt) {
    if (dt.year < 0 || dt.year > 9999) return "year " + std::to_string(dt.year) + " is out of range";
    if (dt.month < 1 || dt.month > 12) return "month " + std::to_string(dt.month) + " is out of range";
    if (dt.day < 1 || dt.day > days_in_month(dt.year, dt.month))
        return "day " + std::to_string(dt.day) + " does not exist in " + std::to_string(dt.year) + "-" + two(dt.month);
    if (dt.hour < 0 || dt.hour > 23) return "hour " + std::to_string(dt.hour) + " is out of range";
    if (dt.minute < 0 || dt.minute > 59) return "minute " + std::to_string(dt.minute) + " is out of range";
    // 60 would be a leap second; RFC 3339 allows it but nothing here can place one reliably.
    if (dt.second < 0 || dt.second > 59) return "second " + std::to_string(dt.second) + " is out of range";
    if (dt.nanosecond > 999'999'999) return "fraction of a second is out of range";
    if (dt.offset_minutes <= -24 * 60 || dt.offset_minutes >= 24 * 60) return "UTC offset is out of range";
    return std::nullopt;
}

std::string to_rfc3339(const DateTime& dt) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d", dt.year, dt.month, dt.day, dt.hour,
                  dt.minute, dt.second);
    std::string out = buf;
    if (dt.nanosecond != 0) {
        std::snprintf(buf, sizeof buf, ".%09u", static_cast<unsigned>(dt.nanosecond));
        std::string frac = buf;
        while (frac.back() == '0') frac.pop_back();
        out += frac;
    }
    if (dt.offset_minutes == 0) {
        out += 'Z';
    } else {
        const int abs = std::abs(dt.offset_minutes);
        out += dt.offset_minutes < 0 ? '-' : '+';
        out += two(abs / 60) + ":" + two(abs % 60);
    }
    return out;
}

DateTime to_utc(const DateTime& dt) {
    const UtcKey key = utc_sort_key(dt);
    DateTime out = utc_from_unix_seconds(key.seconds);
    out.nanosecond = key.nanosecond;
    return out;
}

DateTime utc_from_unix_seconds(std::int64_t seconds) {
    std::int64_t days = seconds / 86'400;
    std::int64_t rest = seconds % 86'400;
    if (rest < 0) {
        rest += 86'400;
        --days;
    }
    DateTime out;
    civil_from_days(days, out.year, out.month, out.day);
    out.hour = static_cast<int>(rest / 3600);
    out.minute = static_cast<int>(rest / 60 % 60);
    out.second = static_cast<int>(rest % 60);
    out.offset_minutes = 0;
    return out;
}

std::string to_iso_date(const DateTime& dt) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", dt.year, dt.month, dt.day);
    return buf;
}

UtcKey utc_sort_key(const DateTime& dt) {
    const std::int64_t days = days_from_civil(dt.year, static_cast<unsigned>(dt.month), static_cast<unsigned>(dt.day));
    const std::int64_t seconds = days * 86'400 + dt.hour * 3'600 + dt.minute * 60 + dt.second - dt.offset_minutes * 60;
    return {seconds, dt.nanosecond};
}

}  // namespace kapsel::syndication
