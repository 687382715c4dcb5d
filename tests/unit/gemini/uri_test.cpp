// RFC 3986 building blocks: dot-segment removal, percent-decoding, IPv6 literals.

#include "gemini/uri.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

namespace kapsel::gemini {
namespace {

struct DotRow {
    std::string input;
    std::optional<std::string> output;  // nullopt: a ".." climbs above "/", refused
};

// RFC 3986 §5.2.4 and §5.4 examples, as absolute paths; where RFC 3986 keeps a ".." that
// climbs above the root at "/", kapsel refuses the path instead.
const std::vector<DotRow> dot_rows = {
    {"", "/"},
    {"/", "/"},
    {"/a/b/c/./../../g", "/a/g"},
    {"/mid/content=5/../6", "/mid/6"},
    {"/b/c/./g", "/b/c/g"},
    {"/b/c/.", "/b/c/"},
    {"/b/c/./", "/b/c/"},
    {"/b/c/..", "/b/"},
    {"/b/c/../", "/b/"},
    {"/b/c/../g", "/b/g"},
    {"/b/c/../..", "/"},
    {"/b/c/../../g", "/g"},
    {"/b/c/../../../g", std::nullopt},
    {"/b/c/../../../../g", std::nullopt},
    {"/./g", "/g"},
    {"/../g", std::nullopt},
    {"/g.", "/g."},
    {"/.g", "/.g"},
    {"/g..", "/g.."},
    {"/..g", "/..g"},
    {"/b/c/./../g", "/b/g"},
    {"/b/c/./g/.", "/b/c/g/"},
    {"/b/c/g/./h", "/b/c/g/h"},
    {"/b/c/g/../h", "/b/c/h"},
    {"/a//b", "/a//b"},
    {"/a//../b", "/a/b"},
    {"/..", std::nullopt},
    {"/.", "/"},
    {"/a/..", "/"},
    {"/a/../..", std::nullopt},
    {"/a/./../b/../../c", std::nullopt},
    {"/./..", std::nullopt},
    {"/../..", std::nullopt},
};

TEST(RemoveDotSegments, FollowsRfc3986) {
    for (const auto& row : dot_rows) {
        EXPECT_EQ(remove_dot_segments(row.input), row.output) << row.input;
    }
}

TEST(PercentEncoding, DecodesAndValidates) {
    EXPECT_TRUE(has_valid_percent_escapes("a%20b%2Fc%ff"));
    EXPECT_FALSE(has_valid_percent_escapes("%"));
    EXPECT_FALSE(has_valid_percent_escapes("%4"));
    EXPECT_FALSE(has_valid_percent_escapes("%G1"));
    EXPECT_FALSE(has_valid_percent_escapes("a%2"));
    EXPECT_EQ(percent_decode("a%20b%2Fc%25%41"), "a b/c%A");
    EXPECT_EQ(percent_decode("%252e"), "%2e");
    EXPECT_EQ(decode_percent_dots("%2e%2E%2f%252e"), "..%2f%252e");
}

struct Ipv6Row {
    std::string text;
    bool valid;
};

const std::vector<Ipv6Row> ipv6_rows = {
    {"::", true},
    {"::1", true},
    {"1::", true},
    {"1:2:3:4:5:6:7:8", true},
    {"1:2:3:4:5:6:7::", true},
    {"::2:3:4:5:6:7:8", true},
    {"2001:db8::ff00:42:8329", true},
    {"2001:DB8:0:0:8:800:200C:417A", true},
    {"::ffff:192.0.2.128", true},
    {"64:ff9b::192.0.2.33", true},
    {"1:2:3:4:5:6:1.2.3.4", true},
    {"", false},
    {":", false},
    {":::", false},
    {"1", false},
    {"1:2:3:4:5:6:7", false},
    {"1:2:3:4:5:6:7:8:9", false},
    {"1:2:3:4:5:6:7:8::", false},
    {"1::2::3", false},
    {"12345::", false},
    {"g::", false},
    {"::1:", false},
    {":1::", false},
    {"1:2:3:4:5:6:7:1.2.3.4", false},
    {"::1.2.3.4.5", false},
    {"::1.2.3", false},
    {"::256.1.1.1", false},
    {"::01.1.1.1", false},
    {"1.2.3.4::", false},
    {"::1.2.3.4:1", false},
    {"fe80::1%eth0", false},
    {"v1.x", false},
};

TEST(EncodeComponent, KeepsOnlyUnreservedCharacters) {
    EXPECT_EQ(encode_component("gemini://kapsel.example/atom.xml"), "gemini%3A%2F%2Fkapsel.example%2Fatom.xml");
    EXPECT_EQ(encode_component("gemini://[::1]:1966/a b?c=d&e#f"),
              "gemini%3A%2F%2F%5B%3A%3A1%5D%3A1966%2Fa%20b%3Fc%3Dd%26e%23f");
    EXPECT_EQ(encode_component("Ume\xC3\xA5"), "Ume%C3%A5");
    EXPECT_EQ(encode_component("AZaz09-._~"), "AZaz09-._~");
    EXPECT_EQ(encode_component(""), "");
    // Round trip: what it writes decodes back to the input.
    const std::string all = [] {
        std::string s;
        for (int c = 1; c < 256; ++c) s.push_back(static_cast<char>(c));
        return s;
    }();
    EXPECT_EQ(percent_decode(encode_component(all)), all);
}

TEST(Ipv6Address, ValidatesRfc3986Syntax) {
    for (const auto& row : ipv6_rows) {
        EXPECT_EQ(is_ipv6_address(row.text), row.valid) << row.text;
    }
}

TEST(Scheme, Rfc3986Syntax) {
    EXPECT_TRUE(is_valid_scheme("gemini"));
    EXPECT_TRUE(is_valid_scheme("a+b-c.9"));
    EXPECT_FALSE(is_valid_scheme(""));
    EXPECT_FALSE(is_valid_scheme("9p"));
    EXPECT_FALSE(is_valid_scheme("a_b"));
}

}  // namespace
}  // namespace kapsel::gemini
