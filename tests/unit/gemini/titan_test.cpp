// Titan request lines: the spec's examples, every parameter rule and every Gemini request rule
// carried over, targets normalised as parse_request does, round trips, and token redaction.

#include "gemini/titan.hpp"
#include "gemini/uri.hpp"
#include "text/ascii.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

namespace kapsel::gemini {
namespace {

using namespace std::string_literals;

std::string describe(const std::string& s) {
    std::string out;
    for (unsigned char c : s) {
        if (c < 0x20 || c >= 0x7F) {
            static constexpr char hex[] = "0123456789ABCDEF";
            out += "\\x";
            out += hex[c >> 4];
            out += hex[c & 0xF];
        } else {
            out += static_cast<char>(c);
        }
    }
    return out.size() > 100 ? out.substr(0, 100) + "...(" + std::to_string(s.size()) + " bytes)" : out;
}

std::string line_of_length(std::size_t n) {
    std::string line = "titan://h/";
    const std::string parameters = ";size=1";
    line.append(n - line.size() - parameters.size(), 'a');
    return line + parameters;
}

// ---------------------------------------------------------------------------------------
// Accepted

struct AcceptRow {
    std::string input;
    std::string host;
    std::optional<std::uint16_t> port;
    std::string path;
    std::uint64_t size;
    std::string mime;
    std::optional<std::string> token;
};

const std::vector<AcceptRow> accepted = {
    // The spec's examples (its "plain/text" is a well-formed type, if not a registered one).
    {"titan://transjovian.org/test/raw/testing;size=123;mime=plain/text;token=hello", "transjovian.org",
     std::nullopt, "/test/raw/testing", 123, "plain/text", "hello"},
    {"titan://example.org/raw/Test;token=hello;mime=plain/text;size=10", "example.org", std::nullopt, "/raw/Test",
     10, "plain/text", "hello"},
    // Size: required, the only parameter needed; 0 is a deletion.
    {"titan://h/a;size=0", "h", std::nullopt, "/a", 0, "text/gemini", std::nullopt},
    {"titan://h/a;size=1", "h", std::nullopt, "/a", 1, "text/gemini", std::nullopt},
    {"titan://h/a;size=18446744073709551615", "h", std::nullopt, "/a", 18446744073709551615ULL, "text/gemini",
     std::nullopt},
    // The target: normalised exactly as a Gemini request is.
    {"TITAN://H.Example:1965/x;size=1", "h.example", 1965, "/x", 1, "text/gemini", std::nullopt},
    {"titan://[::1]:1966/x;size=5", "::1", 1966, "/x", 5, "text/gemini", std::nullopt},
    {"titan://h:/x;size=5", "h", std::nullopt, "/x", 5, "text/gemini", std::nullopt},
    {"titan://h/;size=1", "h", std::nullopt, "/", 1, "text/gemini", std::nullopt},
    {"titan://h/dir/;size=3", "h", std::nullopt, "/dir/", 3, "text/gemini", std::nullopt},
    {"titan://h/a/./b/../c;size=1", "h", std::nullopt, "/a/c", 1, "text/gemini", std::nullopt},
    {"titan://h/caf%C3%A9%20bar.gmi;size=1", "h", std::nullopt, "/caf\xC3\xA9 bar.gmi", 1, "text/gemini",
     std::nullopt},
    {"titan://h/caf\xC3\xA9.gmi;size=1", "h", std::nullopt, "/caf\xC3\xA9.gmi", 1, "text/gemini", std::nullopt},
    {"titan://h/a=b,c!;size=1", "h", std::nullopt, "/a=b,c!", 1, "text/gemini", std::nullopt},
    // An authority may hold ';' (RFC 3986 sub-delims): parameters start in the path.
    {"titan://h;x/p;size=1", "h;x", std::nullopt, "/p", 1, "text/gemini", std::nullopt},
    // Mime: lower-cased, percent-decoded, every restricted-name character.
    {"titan://h/p;size=1;mime=Text/Plain", "h", std::nullopt, "/p", 1, "text/plain", std::nullopt},
    {"titan://h/p;size=1;mime=text%2Fplain", "h", std::nullopt, "/p", 1, "text/plain", std::nullopt},
    {"titan://h/p;size=1;mime=application/atom+xml", "h", std::nullopt, "/p", 1, "application/atom+xml",
     std::nullopt},
    {"titan://h/p;size=1;mime=image/svg%2Bxml", "h", std::nullopt, "/p", 1, "image/svg+xml", std::nullopt},
    {"titan://h/p;size=1;mime=x-a.b!c%23d$e&f%5Eg_h/9", "h", std::nullopt, "/p", 1, "x-a.b!c#d$e&f^g_h/9",
     std::nullopt},
    {"titan://h/p;mime=text/gemini;size=2", "h", std::nullopt, "/p", 2, "text/gemini", std::nullopt},
    // Token: percent-decoded; everything after the first '=' of its pair, '/' and '=' included.
    {"titan://h/p;size=1;token=", "h", std::nullopt, "/p", 1, "text/gemini", ""},
    {"titan://h/p;size=1;token=a%20b%3Bc%3Dd", "h", std::nullopt, "/p", 1, "text/gemini", "a b;c=d"},
    {"titan://h/p;size=1;token=s%C3%A9cret", "h", std::nullopt, "/p", 1, "text/gemini", "s\xC3\xA9" "cret"},
    {"titan://h/p;size=1;token=s\xC3\xA9" "cret", "h", std::nullopt, "/p", 1, "text/gemini", "s\xC3\xA9" "cret"},
    {"titan://h/p;size=1;token=a=b", "h", std::nullopt, "/p", 1, "text/gemini", "a=b"},
    {"titan://h/p;size=1;token=a/b", "h", std::nullopt, "/p", 1, "text/gemini", "a/b"},
    {"titan://h/p;size=1;token=!$&'()*+,=:@~", "h", std::nullopt, "/p", 1, "text/gemini", "!$&'()*+,=:@~"},
    {"titan://h/p;token=%25;size=1", "h", std::nullopt, "/p", 1, "text/gemini", "%"},
    // 1024 bytes, exactly.
    {line_of_length(1024), "h", std::nullopt, "/" + std::string(1024 - 17, 'a'), 1, "text/gemini", std::nullopt},
};

TEST(ParseTitanRequest, AcceptsAndNormalises) {
    for (const auto& row : accepted) {
        SCOPED_TRACE(describe(row.input));
        const auto parsed = parse_titan_request(row.input);
        const auto* upload = std::get_if<TitanUpload>(&parsed);
        ASSERT_NE(upload, nullptr) << "rejected: " << std::get<Rejection>(parsed).meta;
        EXPECT_EQ(upload->target.scheme, "titan");
        EXPECT_EQ(upload->target.host, row.host);
        EXPECT_EQ(upload->target.port, row.port);
        EXPECT_EQ(upload->target.path, row.path);
        EXPECT_EQ(upload->target.query, std::nullopt);
        EXPECT_EQ(upload->size, row.size);
        EXPECT_EQ(upload->mime, row.mime);
        EXPECT_EQ(upload->token, row.token);
    }
}

// The target is what parse_request makes of the line without its parameters.
TEST(ParseTitanRequest, TargetIsParseRequestsOwn) {
    for (const auto& row : accepted) {
        SCOPED_TRACE(describe(row.input));
        const auto parsed = parse_titan_request(row.input);
        ASSERT_TRUE(std::holds_alternative<TitanUpload>(parsed));
        const auto& target = std::get<TitanUpload>(parsed).target;
        const std::string path_start = row.input.substr(0, row.input.find('/', 8));
        const auto semicolon = row.input.find(';', path_start.size());
        const auto request = parse_request(row.input.substr(0, semicolon));
        ASSERT_TRUE(std::holds_alternative<Request>(request));
        const auto& expected = std::get<Request>(request);
        EXPECT_EQ(target.host, expected.host);
        EXPECT_EQ(target.port, expected.port);
        EXPECT_EQ(target.path, expected.path);
    }
}

// Written back from its fields, every accepted line parses to the same fields.
TEST(ParseTitanRequest, RebuiltLinesParseTheSame) {
    const auto encode_value = [](std::string_view value) {
        std::string out;
        for (const char c : value) {
            if (is_unreserved(c)) {
                out += c;
            } else {
                out += '%';
                text::append_hex(out, static_cast<unsigned char>(c));
            }
        }
        return out;
    };
    for (const auto& row : accepted) {
        SCOPED_TRACE(describe(row.input));
        const auto upload = std::get<TitanUpload>(parse_titan_request(row.input));
        std::string line = "titan://";
        line += upload.target.host.find(':') != std::string::npos ? "[" + upload.target.host + "]" : upload.target.host;
        if (upload.target.port) line += ":" + std::to_string(*upload.target.port);
        line += encode_path(upload.target.path) + ";size=" + std::to_string(upload.size) +
                ";mime=" + encode_value(upload.mime);
        if (upload.token) line += ";token=" + encode_value(*upload.token);
        if (line.size() > max_request_uri_bytes) continue;
        const auto again = parse_titan_request(line);
        const auto* same = std::get_if<TitanUpload>(&again);
        ASSERT_NE(same, nullptr) << describe(line) << ": " << std::get<Rejection>(again).meta;
        EXPECT_EQ(same->target.host, upload.target.host);
        EXPECT_EQ(same->target.port, upload.target.port);
        EXPECT_EQ(same->target.path, upload.target.path);
        EXPECT_EQ(same->size, upload.size);
        EXPECT_EQ(same->mime, upload.mime);
        EXPECT_EQ(same->token, upload.token);
    }
}

// Lagrange's "Edit Page with Titan" asks for a page's source with ";edit" (and no size).
TEST(ParseTitanRequest, AnEditRequestHasNoSize) {
    for (const std::string line : {"titan://h:1965/a/b.gmi;edit", "titan://h/a/b.gmi;edit;token=t",
                                   "titan://h/a/b.gmi;token=t;edit"}) {
        SCOPED_TRACE(line);
        const auto parsed = parse_titan_request(line);
        const auto* upload = std::get_if<TitanUpload>(&parsed);
        ASSERT_NE(upload, nullptr) << std::get<Rejection>(parsed).meta;
        EXPECT_TRUE(upload->edit);
        EXPECT_EQ(upload->target.path, "/a/b.gmi");
        EXPECT_EQ(upload->size, 0u);
        EXPECT_EQ(upload->mime, "text/gemini");
    }
    EXPECT_FALSE(std::get<TitanUpload>(parse_titan_request("titan://h/p;size=0")).edit);
}

// ---------------------------------------------------------------------------------------
// Rejected

struct RejectRow {
    std::string input;
    Status status;
    std::string meta;
};

const std::vector<RejectRow> rejections = {
    // Every rule of a Gemini request, with parse_request's own status and META.
    {"", Status::bad_request, "empty request"},
    {line_of_length(1025), Status::bad_request, "request longer than 1024 bytes"},
    {"titan://h/" + std::string(1010, 'a') + ";size=1;token=" + std::string(100, 'b'), Status::bad_request,
     "request longer than 1024 bytes"},
    {"\xEF\xBB\xBFtitan://h/p;size=1", Status::bad_request, "byte order mark not allowed"},
    {"titan://h/p q;size=1", Status::bad_request, "space in request"},
    {"titan://h/p\x01;size=1", Status::bad_request, "control character in request"},
    {"titan://h/p\xFF;size=1", Status::bad_request, "request is not valid UTF-8"},
    {"titan://h/p;size=1#f", Status::bad_request, "fragment not allowed"},
    {"titan://h/p#f;size=1", Status::bad_request, "fragment not allowed"},
    {"titan://u@h/p;size=1", Status::bad_request, "userinfo not allowed"},
    {"titan://h:99999/p;size=1", Status::bad_request, "invalid port"},
    {"titan://h/%zz;size=1", Status::bad_request, "bad percent-escape"},
    {"titan://h/a|b;size=1", Status::bad_request, "character not allowed in a URI"},
    {"/p;size=1", Status::bad_request, "not an absolute URI"},
    {"titan://h/../p;size=1", Status::bad_request, "path climbs above the root"},
    {"titan://h/%0A;size=1", Status::bad_request, "control character in path"},
    {"titan://h/.env;size=1", Status::not_found, "not found"},
    {"titan://h/a%2Fb;size=1", Status::not_found, "not found"},
    {"titan://h/a%00b;size=1", Status::not_found, "not found"},
    {"titan://h/.git/config;size=1", Status::not_found, "not found"},
    {"TITAN://h/dir/.hidden;size=1;token=x", Status::not_found, "not found"},
    {"titan://h/%2e%2e/x;size=1", Status::bad_request, "path climbs above the root"},
    {"titan://h/" + std::string(1014, 'a'), Status::bad_request, "missing size parameter"},  // 1024 bytes
    {"titan://h/.env", Status::not_found, "not found"},  // the target is judged first
    // The same rules for the parameters' own bytes.
    {"titan://h/p;size=1;token=a b", Status::bad_request, "space in request"},
    {"titan://h/p;size=1;token=a\x01", Status::bad_request, "control character in request"},
    {"titan://h/p;size=1;token=a\x7F", Status::bad_request, "control character in request"},
    {"titan://h/p;size=1;token=\xC2\x85", Status::bad_request, "control character in request"},
    {"titan://h/p;size=1;token=\xFF", Status::bad_request, "request is not valid UTF-8"},
    {"titan://h/p;size=1;token=\xC0\xAE", Status::bad_request, "request is not valid UTF-8"},
    {"titan://h/p;size=1;token=a|b", Status::bad_request, "character not allowed in a URI"},
    {"titan://h/p;size=1;token=a\\b", Status::bad_request, "character not allowed in a URI"},
    {"titan://h/p;size=1;token=[x]", Status::bad_request, "character not allowed in a URI"},
    {"titan://h/p;size=1;token=%zz", Status::bad_request, "bad percent-escape"},
    {"titan://h/p;size=1;token=%4", Status::bad_request, "bad percent-escape"},
    // Titan's own: the scheme, a host, no query, no ';' hidden in the path.
    {"gemini://h/p;size=1", Status::bad_request, "not a titan request"},
    {"https://h/p;size=1", Status::bad_request, "not a titan request"},
    {"titans://h/p;size=1", Status::bad_request, "not a titan request"},
    {"titan:///p;size=1", Status::bad_request, "missing host"},
    {"titan:/p;size=1", Status::bad_request, "missing host"},
    {"titan:p;size=1", Status::bad_request, "missing host"},
    {"titan://h/p;size=1?q", Status::bad_request, "query not allowed in a titan request"},
    {"titan://h/p?size=1", Status::bad_request, "query not allowed in a titan request"},
    {"titan://h/p;size=1?", Status::bad_request, "query not allowed in a titan request"},
    {"titan://h?x/p;size=1", Status::bad_request, "query not allowed in a titan request"},
    {"titan://h/a%3Bb;size=1", Status::bad_request, "encoded ';' in a titan path"},
    {"titan://h/a%3b;size=1", Status::bad_request, "encoded ';' in a titan path"},
    // The parameters' shape.
    {"titan://h/p", Status::bad_request, "missing size parameter"},
    {"titan://h", Status::bad_request, "missing size parameter"},
    {"titan://h;size=1", Status::bad_request, "missing size parameter"},  // ';' in the host
    {"titan://h/p;mime=text/plain", Status::bad_request, "missing size parameter"},
    {"titan://h/p;token=x", Status::bad_request, "missing size parameter"},
    {"titan://h/p;", Status::bad_request, "empty parameter"},
    {"titan://h/p;size=1;", Status::bad_request, "empty parameter"},
    {"titan://h/p;;size=1", Status::bad_request, "empty parameter"},
    {"titan://h/p;size", Status::bad_request, "parameter without '='"},
    {"titan://h/p;size=1;token", Status::bad_request, "parameter without '='"},
    {"titan://h/p;size%3D1", Status::bad_request, "parameter without '='"},
    {"titan://h/p;=1;size=1", Status::bad_request, "empty parameter name"},
    {"titan://h/p;size=1;=", Status::bad_request, "empty parameter name"},
    {"titan://h/p;size=1;size=1", Status::bad_request, "duplicate size parameter"},
    {"titan://h/p;size=1;size=2", Status::bad_request, "duplicate size parameter"},
    {"titan://h/p;size=1;mime=a/b;mime=a/b", Status::bad_request, "duplicate mime parameter"},
    {"titan://h/p;size=1;token=a;token=b", Status::bad_request, "duplicate token parameter"},
    {"titan://h/p;size=1;token=;token=", Status::bad_request, "duplicate token parameter"},
    {"titan://h/p;Size=1", Status::bad_request, "unknown parameter"},
    {"titan://h/p;SIZE=1", Status::bad_request, "unknown parameter"},
    {"titan://h/p;size=1;Token=x", Status::bad_request, "unknown parameter"},
    {"titan://h/p;size=1;%74oken=x", Status::bad_request, "unknown parameter"},
    {"titan://h/p;size=1;tokn=x", Status::bad_request, "unknown parameter"},
    {"titan://h/p;size=1;edit=1", Status::bad_request, "unknown parameter"},
    {"titan://h/p;edit=1", Status::bad_request, "unknown parameter"},
    {"titan://h/p;Edit", Status::bad_request, "parameter without '='"},
    {"titan://h/p;edit;edit", Status::bad_request, "duplicate edit parameter"},
    {"titan://h/p;edit;size=1", Status::bad_request, "an edit request has no size or mime"},
    {"titan://h/p;mime=text/plain;edit", Status::bad_request, "an edit request has no size or mime"},
    {"titan://h/p;charset=utf-8;size=1", Status::bad_request, "unknown parameter"},
    // Size.
    {"titan://h/p;size=", Status::bad_request, "size is not a decimal number"},
    {"titan://h/p;size=-1", Status::bad_request, "size is not a decimal number"},
    {"titan://h/p;size=+1", Status::bad_request, "size is not a decimal number"},
    {"titan://h/p;size=1.0", Status::bad_request, "size is not a decimal number"},
    {"titan://h/p;size=1e3", Status::bad_request, "size is not a decimal number"},
    {"titan://h/p;size=0x10", Status::bad_request, "size is not a decimal number"},
    {"titan://h/p;size=%31", Status::bad_request, "size is not a decimal number"},
    {"titan://h/p;size=1,000", Status::bad_request, "size is not a decimal number"},
    {"titan://h/p;size=\xD9\xA1", Status::bad_request, "size is not a decimal number"},  // Arabic-Indic one
    {"titan://h/p;size=01", Status::bad_request, "size has leading zeros"},
    {"titan://h/p;size=00", Status::bad_request, "size has leading zeros"},
    {"titan://h/p;size=000000000000000000000001", Status::bad_request, "size has leading zeros"},
    {"titan://h/p;size=18446744073709551616", Status::bad_request, "size does not fit in 64 bits"},
    {"titan://h/p;size=99999999999999999999999", Status::bad_request, "size does not fit in 64 bits"},
    // Mime.
    {"titan://h/p;size=1;mime=", Status::bad_request, "invalid mime type"},
    {"titan://h/p;size=1;mime=text", Status::bad_request, "invalid mime type"},
    {"titan://h/p;size=1;mime=text/", Status::bad_request, "invalid mime type"},
    {"titan://h/p;size=1;mime=/plain", Status::bad_request, "invalid mime type"},
    {"titan://h/p;size=1;mime=text/plain/x", Status::bad_request, "invalid mime type"},
    {"titan://h/p;size=1;mime=-text/plain", Status::bad_request, "invalid mime type"},
    {"titan://h/p;size=1;mime=text/pl%20ain", Status::bad_request, "invalid mime type"},
    {"titan://h/p;size=1;mime=text/pl=ain", Status::bad_request, "invalid mime type"},
    {"titan://h/p;size=1;mime=t%C3%A9xt/plain", Status::bad_request, "invalid mime type"},
    {"titan://h/p;size=1;mime=" + std::string(128, 'a') + "/b", Status::bad_request, "invalid mime type"},
    {"titan://h/p;size=1;mime=text/plain%3Bcharset=utf-8", Status::bad_request, "mime type parameters are not accepted"},
    {"titan://h/p;size=1;mime=text/plain%3b", Status::bad_request, "mime type parameters are not accepted"},
    // Token.
    {"titan://h/p;size=1;token=%FF", Status::bad_request, "token is not valid UTF-8"},
    {"titan://h/p;size=1;token=%C0%AE", Status::bad_request, "token is not valid UTF-8"},
    {"titan://h/p;size=1;token=%00", Status::bad_request, "control character in token"},
    {"titan://h/p;size=1;token=a%0Ab", Status::bad_request, "control character in token"},
    {"titan://h/p;size=1;token=%7F", Status::bad_request, "control character in token"},
    {"titan://h/p;size=1;token=%C2%85", Status::bad_request, "control character in token"},
};

TEST(ParseTitanRequest, RejectsEachRuleWithItsStatusAndMessage) {
    for (const auto& row : rejections) {
        SCOPED_TRACE(describe(row.input));
        const auto parsed = parse_titan_request(row.input);
        const auto* rejection = std::get_if<Rejection>(&parsed);
        ASSERT_NE(rejection, nullptr) << "accepted, path " << describe(std::get<TitanUpload>(parsed).target.path);
        EXPECT_EQ(rejection->status, row.status);
        EXPECT_EQ(rejection->meta, row.meta);
    }
}

// ---------------------------------------------------------------------------------------
// Redaction

struct RedactRow {
    std::string input;
    std::string expected;
};

const std::vector<RedactRow> redactions = {
    {"titan://h/p;size=1;token=hello", "titan://h/p;size=1;token=*"},
    {"titan://h/p;token=hello;size=1", "titan://h/p;token=*;size=1"},
    {"titan://transjovian.org/test/raw/testing;size=123;mime=plain/text;token=hello",
     "titan://transjovian.org/test/raw/testing;size=123;mime=plain/text;token=*"},
    {"titan://h/p;token=;size=1", "titan://h/p;token=*;size=1"},
    {"titan://h/p;token=a=b/c;size=1", "titan://h/p;token=*;size=1"},
    {"titan://h/p;token=s%C3%A9cret", "titan://h/p;token=*"},
    {"titan://h/p;token=s\xC3\xA9" "cret", "titan://h/p;token=*"},
    // Whatever the name's case or encoding, on lines that do not parse too.
    {"titan://h/p;size=1;TOKEN=x", "titan://h/p;size=1;TOKEN=*"},
    {"titan://h/p;size=1;%74oken=x", "titan://h/p;size=1;%74oken=*"},
    {"titan://h/p;size=1;t%6Fk%65N%3Dsecret", "titan://h/p;size=1;t%6Fk%65N%3D*"},
    {"titan://h/p;token=a;token=b", "titan://h/p;token=*;token=*"},
    {"titan://h/p;size=1;token=a b?c#d", "titan://h/p;size=1;token=*"},
    {"titan://h/p;size=1;token=x;", "titan://h/p;size=1;token=*;"},
    {"titan://h/p?q;token=x", "titan://h/p?q;token=*"},
    {"titan://h;token=x/p;size=1", "titan://h;token=*;size=1"},
    {";token=x", ";token=*"},
    // No token parameter: as it is.
    {"titan://h/p;size=1;tokens=x", "titan://h/p;size=1;tokens=x"},
    {"titan://h/p;size=1;token", "titan://h/p;size=1;token"},
    {"titan://h/p;size=1;xtoken=x", "titan://h/p;size=1;xtoken=x"},
    {"titan://h/p;size=1;tok%65", "titan://h/p;size=1;tok%65"},
    {"titan://h/p;size=1;token%3", "titan://h/p;size=1;token%3"},
    {"titan://h/token=x;size=1", "titan://h/token=x;size=1"},
    {"gemini://h/?token=x", "gemini://h/?token=x"},
    {"titan://h/p", "titan://h/p"},
    {"", ""},
};

TEST(RedactTitanToken, ReplacesEveryTokenValueAndNothingElse) {
    for (const auto& row : redactions) {
        SCOPED_TRACE(describe(row.input));
        EXPECT_EQ(redact_titan_token(row.input), row.expected);
        EXPECT_EQ(redact_titan_token(row.expected), row.expected);  // idempotent
    }
}

TEST(RedactTitanToken, ARedactedLineParsesWithTokenStar) {
    for (const auto& row : accepted) {
        SCOPED_TRACE(describe(row.input));
        const auto original = std::get<TitanUpload>(parse_titan_request(row.input));
        const auto parsed = parse_titan_request(redact_titan_token(row.input));
        const auto* redacted = std::get_if<TitanUpload>(&parsed);
        ASSERT_NE(redacted, nullptr);
        EXPECT_EQ(redacted->target.host, original.target.host);
        EXPECT_EQ(redacted->target.path, original.target.path);
        EXPECT_EQ(redacted->size, original.size);
        EXPECT_EQ(redacted->mime, original.mime);
        EXPECT_EQ(redacted->token, original.token ? std::optional<std::string>("*") : std::nullopt);
    }
}

}  // namespace
}  // namespace kapsel::gemini
