// The response header line: "NN META\r\n" with META made safe and capped.

#include "gemini/status.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "gemini/utf8.hpp"

namespace kapsel::gemini {
namespace {

using namespace std::string_literals;

struct HeaderRow {
    Status status;
    std::string meta;
    std::string header;
};

const std::string replacement = "\xEF\xBF\xBD";  // U+FFFD

const std::vector<HeaderRow> headers = {
    {Status::success, "text/gemini; charset=utf-8; lang=sv", "20 text/gemini; charset=utf-8; lang=sv\r\n"},
    {Status::input, "Search", "10 Search\r\n"},
    {Status::sensitive_input, "Password", "11 Password\r\n"},
    {Status::redirect_permanent, "/notes/", "31 /notes/\r\n"},
    {Status::temporary_failure, "busy", "40 busy\r\n"},
    {Status::slow_down, "30", "44 30\r\n"},
    {Status::not_found, "not found", "51 not found\r\n"},
    {Status::proxy_request_refused, "proxy request refused", "53 proxy request refused\r\n"},
    {Status::bad_request, "", "59 \r\n"},
    {Status::certificate_not_valid, "expired", "62 expired\r\n"},
    {Status::success, "text/gemini; lang=sv-SE,en", "20 text/gemini; lang=sv-SE,en\r\n"},
    {Status::not_found, "inte hittad \xC3\xA5\xC3\xA4\xC3\xB6 \xF0\x9F\x98\x80", "51 inte hittad \xC3\xA5\xC3\xA4\xC3\xB6 \xF0\x9F\x98\x80\r\n"},
    // Control characters become spaces, so META cannot end the line early or forge a header.
    {Status::not_found, "a\r\n20 text/gemini", "51 a  20 text/gemini\r\n"},
    {Status::not_found, "a\nb", "51 a b\r\n"},
    {Status::not_found, "a\tb", "51 a b\r\n"},
    {Status::not_found, "a\0b"s, "51 a b\r\n"},
    {Status::not_found, "a\x1B[2Jb", "51 a [2Jb\r\n"},
    {Status::not_found, "a\x7F", "51 a \r\n"},
    // Invalid UTF-8: each offending byte becomes U+FFFD.
    {Status::not_found, "a\xFF" "b", "51 a" + replacement + "b\r\n"},
    {Status::not_found, "\xC0\xAE", "51 " + replacement + replacement + "\r\n"},
    {Status::not_found, "\xED\xA0\x80", "51 " + replacement + replacement + replacement + "\r\n"},
    {Status::not_found, "x\xE2\x82", "51 x" + replacement + replacement + "\r\n"},
    {Status::not_found, "\x80", "51 " + replacement + "\r\n"},
    {Status::not_found, "\xF4\x90\x80\x80", "51 " + replacement + replacement + replacement + replacement + "\r\n"},
};

TEST(ResponseHeader, FormatsAndSanitises) {
    for (const auto& row : headers) {
        SCOPED_TRACE(row.meta);
        EXPECT_EQ(response_header(row.status, row.meta), row.header);
    }
}

struct CapRow {
    std::string meta;
    std::size_t kept_bytes;  // how much of meta survives
};

const std::vector<CapRow> caps = {
    {std::string(1023, 'a'), 1023},
    {std::string(1024, 'a'), 1024},
    {std::string(1025, 'a'), 1024},
    {std::string(5000, 'a'), 1024},
    {std::string(1022, 'a') + "\xC3\xA9", 1024},         // é ends exactly at 1024
    {std::string(1023, 'a') + "\xC3\xA9", 1023},         // é would straddle: dropped whole
    {std::string(1021, 'a') + "\xE2\x82\xAC", 1024},     // €
    {std::string(1022, 'a') + "\xE2\x82\xAC", 1022},
    {std::string(1023, 'a') + "\xE2\x82\xAC", 1023},
    {std::string(1020, 'a') + "\xF0\x9F\x98\x80", 1024}, // 4-byte emoji
    {std::string(1021, 'a') + "\xF0\x9F\x98\x80", 1021},
    {std::string(1023, 'a') + "\xF0\x9F\x98\x80", 1023},
};

TEST(ResponseHeader, CapsMetaAt1024BytesOnACharacterBoundary) {
    for (const auto& row : caps) {
        SCOPED_TRACE(row.meta.size());
        const std::string header = response_header(Status::not_found, row.meta);
        ASSERT_TRUE(header.ends_with("\r\n"));
        const std::string meta = header.substr(3, header.size() - 5);
        EXPECT_EQ(meta, row.meta.substr(0, row.kept_bytes));
        EXPECT_LE(meta.size(), max_meta_bytes);
        EXPECT_TRUE(is_valid_utf8(meta));
    }
}

TEST(ResponseHeader, ReplacementCharactersCountTowardsTheCap) {
    // 1022 + U+FFFD (3 bytes) would be 1025: the replacement is dropped, not split.
    const std::string header = response_header(Status::not_found, std::string(1022, 'a') + "\xFF");
    EXPECT_EQ(header, "51 " + std::string(1022, 'a') + "\r\n");
    // Only invalid bytes: 341 replacements fit (1023 bytes), the 342nd does not.
    const std::string many = response_header(Status::not_found, std::string(400, '\xFF'));
    EXPECT_EQ(many.size(), 3 + 341 * 3 + 2);
    EXPECT_TRUE(is_valid_utf8(many));
}

TEST(ResponseHeader, OutputIsAlwaysOneValidLine) {
    // Every single byte and every byte pair: one CRLF, at the end; valid UTF-8.
    for (int a = 0; a < 256; ++a) {
        for (int b = 0; b < 256; b += 7) {
            const std::string meta{static_cast<char>(a), static_cast<char>(b)};
            const std::string header = response_header(Status::not_found, meta);
            ASSERT_EQ(header.find_first_of("\r\n"), header.size() - 2) << a << ' ' << b;
            ASSERT_TRUE(is_valid_utf8(header)) << a << ' ' << b;
        }
    }
}

struct ParseRow {
    std::string line;
    std::optional<ResponseHeader> expected;
};

TEST(ResponseHeaderParse, AcceptsWhatTheSpecAllowsAndNothingElse) {
    const std::vector<ParseRow> rows = {
        {"20 text/gemini", ResponseHeader{20, "text/gemini"}},
        {"20", ResponseHeader{20, ""}},
        {"20 ", ResponseHeader{20, ""}},
        {"41 busy, try later", ResponseHeader{41, "busy, try later"}},
        {"31 gemini://a.example/b", ResponseHeader{31, "gemini://a.example/b"}},
        {"69 x", ResponseHeader{69, "x"}},
        {"20 Tack f\xC3\xB6r bidraget"s, ResponseHeader{20, "Tack f\xC3\xB6r bidraget"}},
        {"", std::nullopt},
        {"2", std::nullopt},
        {"70 x", std::nullopt},
        {"09 x", std::nullopt},
        {"2x x", std::nullopt},
        {"20\ttext/gemini", std::nullopt},
        {"200 x", std::nullopt},
        {"20 a\x01" "b", std::nullopt},
        {"20 \xFF", std::nullopt},
        {"20 " + std::string(1025, 'm'), std::nullopt},
    };
    for (const auto& row : rows) {
        const auto got = parse_response_header(row.line);
        ASSERT_EQ(got.has_value(), row.expected.has_value()) << row.line;
        if (!got) continue;
        EXPECT_EQ(got->status, row.expected->status) << row.line;
        EXPECT_EQ(got->meta, row.expected->meta) << row.line;
    }
    EXPECT_TRUE(parse_response_header("20 " + std::string(1024, 'm')).has_value());
}

TEST(ResponseHeaderParse, ReadsWhatTheServerWrites) {
    for (const int code : {10, 20, 30, 31, 40, 44, 51, 52, 59, 60, 62}) {
        const std::string line = response_header(static_cast<Status>(code), "meta text");
        const auto got = parse_response_header(std::string_view(line).substr(0, line.size() - 2));
        ASSERT_TRUE(got) << line;
        EXPECT_EQ(got->status, code);
        EXPECT_EQ(got->meta, "meta text");
    }
}

}  // namespace
}  // namespace kapsel::gemini
