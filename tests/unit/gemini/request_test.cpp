// Request-line parsing: every rejection rule, host/port rules, path normalisation, a table of
// traversal attempts, request framing (find_request_line) and encode_path.

#include "gemini/request.hpp"
#include "gemini/uri.hpp"

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
    return out.size() > 80 ? out.substr(0, 80) + "...(" + std::to_string(s.size()) + " bytes)" : out;
}

std::string uri_of_length(std::size_t n) {
    std::string uri = "gemini://h/";
    uri.append(n - uri.size(), 'a');
    return uri;
}

// True when `path` could safely be joined to a root: absolute, no dot segment or dot-file,
// no NUL or backslash.
bool is_safe_path(const std::string& path) {
    if (path.empty() || path[0] != '/') return false;
    if (path.find('\0') != std::string::npos || path.find('\\') != std::string::npos) return false;
    std::size_t start = 1;
    while (start <= path.size()) {
        auto end = path.find('/', start);
        if (end == std::string::npos) end = path.size();
        if (end > start && path[start] == '.') return false;  // ".", "..", ".git"
        start = end + 1;
    }
    return true;
}

// ---------------------------------------------------------------------------------------
// Rejections

struct RejectRow {
    std::string input;
    Status status;
    std::string meta;
};

const std::vector<RejectRow> rejections = {
    // Framing and encoding.
    {"", Status::bad_request, "empty request"},
    {uri_of_length(1025), Status::bad_request, "request longer than 1024 bytes"},
    {uri_of_length(4096), Status::bad_request, "request longer than 1024 bytes"},
    {"\xEF\xBB\xBFgemini://h/", Status::bad_request, "byte order mark not allowed"},
    {"gemini://h/\0"s, Status::bad_request, "control character in request"},
    {"gemini://h\0/"s, Status::bad_request, "control character in request"},
    {"gemini://h/a\tb", Status::bad_request, "control character in request"},
    {"gemini://h/\r", Status::bad_request, "control character in request"},
    {"gemini://h/\n", Status::bad_request, "control character in request"},
    {"gemini://h/\x1B[2J", Status::bad_request, "control character in request"},
    {"gemini://h/\x7F", Status::bad_request, "control character in request"},
    {"gemini://h/\xC2\x85", Status::bad_request, "control character in request"},  // C1 NEL
    {"gemini://h/\xC2\x9F", Status::bad_request, "control character in request"},
    {"gemini://h/a b", Status::bad_request, "space in request"},
    {" gemini://h/", Status::bad_request, "space in request"},
    {"gemini://h/ ", Status::bad_request, "space in request"},
    {"gemini://h/\xC0\xAE", Status::bad_request, "request is not valid UTF-8"},          // overlong '.'
    {"gemini://h/\xE0\x80\xAE", Status::bad_request, "request is not valid UTF-8"},      // overlong
    {"gemini://h/\xF0\x80\x80\xAE", Status::bad_request, "request is not valid UTF-8"},  // overlong
    {"gemini://h/\xED\xA0\x80", Status::bad_request, "request is not valid UTF-8"},      // surrogate
    {"gemini://h/\xF4\x90\x80\x80", Status::bad_request, "request is not valid UTF-8"},  // > U+10FFFF
    {"gemini://h/\xFF", Status::bad_request, "request is not valid UTF-8"},
    {"gemini://h/\x80", Status::bad_request, "request is not valid UTF-8"},
    {"gemini://h/\xE2\x82", Status::bad_request, "request is not valid UTF-8"},  // truncated
    {"gemini://h\xE9/", Status::bad_request, "request is not valid UTF-8"},      // Latin-1
    // Not an absolute URI.
    {"/", Status::bad_request, "not an absolute URI"},
    {"/index.gmi", Status::bad_request, "not an absolute URI"},
    {"//h/index.gmi", Status::bad_request, "not an absolute URI"},
    {"//h:1965/", Status::bad_request, "not an absolute URI"},
    {"h/index.gmi", Status::bad_request, "not an absolute URI"},
    {"index.gmi", Status::bad_request, "not an absolute URI"},
    {"?q=1", Status::bad_request, "not an absolute URI"},
    {"./a:b", Status::bad_request, "not an absolute URI"},
    {"a/b:c", Status::bad_request, "not an absolute URI"},
    {"?a:b", Status::bad_request, "not an absolute URI"},
    {":", Status::bad_request, "not an absolute URI"},
    {"://h/", Status::bad_request, "not an absolute URI"},
    {"garbage", Status::bad_request, "not an absolute URI"},
    {"%%%", Status::bad_request, "not an absolute URI"},
    // Scheme syntax.
    {"1gemini://h/", Status::bad_request, "invalid scheme"},
    {"gem_ini://h/", Status::bad_request, "invalid scheme"},
    {"+gemini://h/", Status::bad_request, "invalid scheme"},
    {"gem%69ni://h/", Status::bad_request, "invalid scheme"},
    {"g\xC3\xA9mini://h/", Status::bad_request, "invalid scheme"},
    {"gemini!://h/", Status::bad_request, "invalid scheme"},
    // Fragment.
    {"gemini://h/#top", Status::bad_request, "fragment not allowed"},
    {"gemini://h/page#", Status::bad_request, "fragment not allowed"},
    {"gemini://h/?q#x", Status::bad_request, "fragment not allowed"},
    {"gemini://h#x", Status::bad_request, "fragment not allowed"},
    {"#gemini://h/", Status::bad_request, "fragment not allowed"},
    // Characters RFC 3986 never allows.
    {"gemini://h/\"", Status::bad_request, "character not allowed in a URI"},
    {"gemini://h/<script>", Status::bad_request, "character not allowed in a URI"},
    {"gemini://h/>", Status::bad_request, "character not allowed in a URI"},
    {"gemini://h/a\\b", Status::bad_request, "character not allowed in a URI"},
    {"gemini://h/^", Status::bad_request, "character not allowed in a URI"},
    {"gemini://h/`", Status::bad_request, "character not allowed in a URI"},
    {"gemini://h/{x}", Status::bad_request, "character not allowed in a URI"},
    {"gemini://h/a|b", Status::bad_request, "character not allowed in a URI"},
    {"gemini://h/}", Status::bad_request, "character not allowed in a URI"},
    {"gemini://h/?a|b", Status::bad_request, "character not allowed in a URI"},
    {"gemini://h\\/", Status::bad_request, "character not allowed in a URI"},
    {"gemini://h/[x]", Status::bad_request, "character not allowed in a URI"},
    {"gemini://h/?[x]", Status::bad_request, "character not allowed in a URI"},
    {"mailto:[a]", Status::bad_request, "character not allowed in a URI"},
    // Userinfo.
    {"gemini://user@h/", Status::bad_request, "userinfo not allowed"},
    {"gemini://user:secret@h/", Status::bad_request, "userinfo not allowed"},
    {"gemini://@h/", Status::bad_request, "userinfo not allowed"},
    {"gemini://h@/", Status::bad_request, "userinfo not allowed"},
    {"gemini://u@[::1]/", Status::bad_request, "userinfo not allowed"},
    {"https://u@example.com/", Status::bad_request, "userinfo not allowed"},
    // Percent-escapes.
    {"gemini://h/%G1", Status::bad_request, "bad percent-escape"},
    {"gemini://h/%4", Status::bad_request, "bad percent-escape"},
    {"gemini://h/%", Status::bad_request, "bad percent-escape"},
    {"gemini://h/%%41", Status::bad_request, "bad percent-escape"},
    {"gemini://h/%u002e", Status::bad_request, "bad percent-escape"},
    {"gemini://h/?q=%zz", Status::bad_request, "bad percent-escape"},
    {"gemini://h/?q=%", Status::bad_request, "bad percent-escape"},
    {"gemini://h%/", Status::bad_request, "bad percent-escape"},
    {"gemini://h%4/", Status::bad_request, "bad percent-escape"},
    // Port.
    {"gemini://h:abc/", Status::bad_request, "invalid port"},
    {"gemini://h:19a5/", Status::bad_request, "invalid port"},
    {"gemini://h:65536/", Status::bad_request, "invalid port"},
    {"gemini://h:99999999999999999999999/", Status::bad_request, "invalid port"},
    {"gemini://h:-1/", Status::bad_request, "invalid port"},
    {"gemini://h:+1965/", Status::bad_request, "invalid port"},
    {"gemini://h:1965:1965/", Status::bad_request, "invalid port"},
    {"gemini://h::/", Status::bad_request, "invalid port"},
    {"gemini://[::1]:x/", Status::bad_request, "invalid port"},
    {"gemini://[::1]:65536/", Status::bad_request, "invalid port"},
    // Host.
    {"gemini:///", Status::bad_request, "missing host"},
    {"gemini:///index.gmi", Status::bad_request, "missing host"},
    {"gemini://", Status::bad_request, "missing host"},
    {"gemini://?q", Status::bad_request, "missing host"},
    {"gemini://:1965/", Status::bad_request, "missing host"},
    {"GEMINI:///", Status::bad_request, "missing host"},
    {"gemini:/index.gmi", Status::bad_request, "missing host"},
    {"gemini:index.gmi", Status::bad_request, "missing host"},
    {"gemini:", Status::bad_request, "missing host"},
    {"gemini://./", Status::bad_request, "invalid host"},
    {"gemini://../", Status::bad_request, "invalid host"},
    {"gemini://h../", Status::bad_request, "invalid host"},
    {"gemini://%2E/", Status::bad_request, "invalid host"},
    {"gemini://a%2Fb/", Status::bad_request, "invalid host"},
    {"gemini://a%5Cb/", Status::bad_request, "invalid host"},
    {"gemini://a%3Ab/", Status::bad_request, "invalid host"},
    {"gemini://a%40b/", Status::bad_request, "invalid host"},
    {"gemini://a%20b/", Status::bad_request, "invalid host"},
    {"gemini://a%00b/", Status::bad_request, "invalid host"},
    {"gemini://a%0Ab/", Status::bad_request, "invalid host"},
    {"gemini://a%7Fb/", Status::bad_request, "invalid host"},
    {"gemini://a%C2%85b/", Status::bad_request, "invalid host"},
    {"gemini://%FF/", Status::bad_request, "invalid host"},
    {"gemini://%C0%AE/", Status::bad_request, "invalid host"},
    {"gemini://h[1]/", Status::bad_request, "invalid host"},
    {"gemini://h]/", Status::bad_request, "invalid host"},
    {"gemini://[::1]x/", Status::bad_request, "invalid host"},
    {"gemini://[::1]]/", Status::bad_request, "invalid host"},
    // IPv6 literals.
    {"gemini://[::1/", Status::bad_request, "invalid IPv6 address"},
    {"gemini://[]/", Status::bad_request, "invalid IPv6 address"},
    {"gemini://[:]/", Status::bad_request, "invalid IPv6 address"},
    {"gemini://[1]/", Status::bad_request, "invalid IPv6 address"},
    {"gemini://[localhost]/", Status::bad_request, "invalid IPv6 address"},
    {"gemini://[127.0.0.1]/", Status::bad_request, "invalid IPv6 address"},
    {"gemini://[g::1]/", Status::bad_request, "invalid IPv6 address"},
    {"gemini://[:::1]/", Status::bad_request, "invalid IPv6 address"},
    {"gemini://[1::2::3]/", Status::bad_request, "invalid IPv6 address"},
    {"gemini://[1:2:3:4:5:6:7]/", Status::bad_request, "invalid IPv6 address"},
    {"gemini://[1:2:3:4:5:6:7:8:9]/", Status::bad_request, "invalid IPv6 address"},
    {"gemini://[1:2:3:4:5:6:7::8]/", Status::bad_request, "invalid IPv6 address"},
    {"gemini://[12345::1]/", Status::bad_request, "invalid IPv6 address"},
    {"gemini://[::1:]/", Status::bad_request, "invalid IPv6 address"},
    {"gemini://[:1::]/", Status::bad_request, "invalid IPv6 address"},
    {"gemini://[::256.0.0.1]/", Status::bad_request, "invalid IPv6 address"},
    {"gemini://[::1.2.3]/", Status::bad_request, "invalid IPv6 address"},
    {"gemini://[::01.2.3.4]/", Status::bad_request, "invalid IPv6 address"},
    {"gemini://[1.2.3.4::]/", Status::bad_request, "invalid IPv6 address"},
    {"gemini://[fe80::1%25eth0]/", Status::bad_request, "invalid IPv6 address"},
    {"gemini://[v1.fe80::1]/", Status::bad_request, "invalid IPv6 address"},
    // Path segments that decode badly (59) or must not be served (51).
    {"gemini://h/%C0%AE", Status::bad_request, "path is not valid UTF-8"},
    {"gemini://h/%FF", Status::bad_request, "path is not valid UTF-8"},
    {"gemini://h/%ED%A0%80", Status::bad_request, "path is not valid UTF-8"},
    {"gemini://h/%C3", Status::bad_request, "path is not valid UTF-8"},
    {"gemini://h/%0A", Status::bad_request, "control character in path"},
    {"gemini://h/%0d%0a20%20text/gemini", Status::bad_request, "control character in path"},
    {"gemini://h/%1B", Status::bad_request, "control character in path"},
    {"gemini://h/%7f", Status::bad_request, "control character in path"},
    {"gemini://h/%C2%85", Status::bad_request, "control character in path"},
    {"gemini://h/.env/%FF", Status::bad_request, "path is not valid UTF-8"},  // 59 before 51
    {"gemini://h/a%2Fb", Status::not_found, "not found"},
    {"gemini://h/a%2fb", Status::not_found, "not found"},
    {"gemini://h/a%5Cb", Status::not_found, "not found"},
    {"gemini://h/a%5cb", Status::not_found, "not found"},
    {"gemini://h/a%00b", Status::not_found, "not found"},
    {"gemini://h/.env", Status::not_found, "not found"},
    {"gemini://h/.git/config", Status::not_found, "not found"},
    {"gemini://h/a/.hidden/", Status::not_found, "not found"},
    {"gemini://h/.well-known/", Status::not_found, "not found"},
};

TEST(ParseRequest, RejectsEachRuleWithItsStatusAndMessage) {
    for (const auto& row : rejections) {
        SCOPED_TRACE(describe(row.input));
        const auto parsed = parse_request(row.input);
        const auto* rejection = std::get_if<Rejection>(&parsed);
        ASSERT_NE(rejection, nullptr) << "accepted, path " << describe(std::get<Request>(parsed).path);
        EXPECT_EQ(rejection->status, row.status);
        EXPECT_EQ(rejection->meta, row.meta);
    }
}

// ---------------------------------------------------------------------------------------
// Accepted requests

struct AcceptRow {
    std::string input;
    std::string scheme;
    std::string host;
    std::optional<std::uint16_t> port;
    std::string path;
    std::optional<std::string> query;
};

const std::vector<AcceptRow> accepted = {
    {"gemini://h/", "gemini", "h", std::nullopt, "/", std::nullopt},
    {"gemini://h", "gemini", "h", std::nullopt, "/", std::nullopt},  // empty path is "/"
    {"gemini://localhost/index.gmi", "gemini", "localhost", std::nullopt, "/index.gmi", std::nullopt},
    {uri_of_length(1024), "gemini", "h", std::nullopt, uri_of_length(1024).substr(10), std::nullopt},
    // Scheme and host case, trailing dot, ports.
    {"GEMINI://Example.ORG/Path", "gemini", "example.org", std::nullopt, "/Path", std::nullopt},
    {"Gemini://LOCALHOST/", "gemini", "localhost", std::nullopt, "/", std::nullopt},
    {"gemini://example.org./", "gemini", "example.org", std::nullopt, "/", std::nullopt},
    {"gemini://example.org.:1965/", "gemini", "example.org", 1965, "/", std::nullopt},
    {"gemini://example.org", "gemini", "example.org", std::nullopt, "/", std::nullopt},
    {"gemini://h:1965/", "gemini", "h", 1965, "/", std::nullopt},
    {"gemini://h:1965", "gemini", "h", 1965, "/", std::nullopt},
    {"gemini://h:01965/", "gemini", "h", 1965, "/", std::nullopt},
    {"gemini://h:1966/", "gemini", "h", 1966, "/", std::nullopt},
    {"gemini://h:0/", "gemini", "h", 0, "/", std::nullopt},
    {"gemini://h:65535/", "gemini", "h", 65535, "/", std::nullopt},
    {"gemini://h:/", "gemini", "h", std::nullopt, "/", std::nullopt},  // empty port = default
    {"gemini://h:", "gemini", "h", std::nullopt, "/", std::nullopt},
    {"gemini://h:?q", "gemini", "h", std::nullopt, "/", "q"},
    {"gemini://127.0.0.1/", "gemini", "127.0.0.1", std::nullopt, "/", std::nullopt},
    {"gemini://127.0.0.1:1965/", "gemini", "127.0.0.1", 1965, "/", std::nullopt},
    {"gemini://%6Cocalhost/", "gemini", "localhost", std::nullopt, "/", std::nullopt},
    {"gemini://%4C%4F%43%41%4C%48%4F%53%54/", "gemini", "localhost", std::nullopt, "/", std::nullopt},
    {"gemini://localhost%2E/", "gemini", "localhost", std::nullopt, "/", std::nullopt},
    {"gemini://a-b_c~d/", "gemini", "a-b_c~d", std::nullopt, "/", std::nullopt},
    {"gemini://a!$&'()*+,;=b/", "gemini", "a!$&'()*+,;=b", std::nullopt, "/", std::nullopt},
    // Internationalised hosts: percent-decoded, ASCII letters lower-cased only.
    {"gemini://b\xC3\xBC" "cher.example/", "gemini", "b\xC3\xBC" "cher.example", std::nullopt, "/", std::nullopt},
    {"gemini://B%C3%BCcher.Example/", "gemini", "b\xC3\xBC" "cher.example", std::nullopt, "/", std::nullopt},
    {"gemini://xn--bcher-kva.example/", "gemini", "xn--bcher-kva.example", std::nullopt, "/", std::nullopt},
    // IPv6 literals: brackets removed, hex lower-cased.
    {"gemini://[::1]/", "gemini", "::1", std::nullopt, "/", std::nullopt},
    {"gemini://[::1]", "gemini", "::1", std::nullopt, "/", std::nullopt},
    {"gemini://[::1]:1965/", "gemini", "::1", 1965, "/", std::nullopt},
    {"gemini://[::1]:/", "gemini", "::1", std::nullopt, "/", std::nullopt},
    {"gemini://[::]/", "gemini", "::", std::nullopt, "/", std::nullopt},
    {"gemini://[2001:DB8::A]/x", "gemini", "2001:db8::a", std::nullopt, "/x", std::nullopt},
    {"gemini://[1:2:3:4:5:6:7:8]/", "gemini", "1:2:3:4:5:6:7:8", std::nullopt, "/", std::nullopt},
    {"gemini://[1::]/", "gemini", "1::", std::nullopt, "/", std::nullopt},
    {"gemini://[::ffff:192.0.2.1]/", "gemini", "::ffff:192.0.2.1", std::nullopt, "/", std::nullopt},
    {"gemini://[1:2:3:4:5:6:1.2.3.4]/", "gemini", "1:2:3:4:5:6:1.2.3.4", std::nullopt, "/", std::nullopt},
    // Paths: decoded, dot segments removed, trailing slash kept, case kept.
    {"gemini://h/notes/", "gemini", "h", std::nullopt, "/notes/", std::nullopt},
    {"gemini://h/notes", "gemini", "h", std::nullopt, "/notes", std::nullopt},
    {"gemini://h/a/./b/../c", "gemini", "h", std::nullopt, "/a/c", std::nullopt},
    {"gemini://h/a/b/..", "gemini", "h", std::nullopt, "/a/", std::nullopt},
    {"gemini://h/a/.", "gemini", "h", std::nullopt, "/a/", std::nullopt},
    {"gemini://h/a//b", "gemini", "h", std::nullopt, "/a//b", std::nullopt},
    {"gemini://h/a%20b.gmi", "gemini", "h", std::nullopt, "/a b.gmi", std::nullopt},
    {"gemini://h/%7Euser/", "gemini", "h", std::nullopt, "/~user/", std::nullopt},
    {"gemini://h/%41%62c", "gemini", "h", std::nullopt, "/Abc", std::nullopt},
    {"gemini://h/caf%C3%A9", "gemini", "h", std::nullopt, "/caf\xC3\xA9", std::nullopt},
    {"gemini://h/caf\xC3\xA9", "gemini", "h", std::nullopt, "/caf\xC3\xA9", std::nullopt},
    {"gemini://h/\xE6\x97\xA5\xE6\x9C\xAC/", "gemini", "h", std::nullopt, "/\xE6\x97\xA5\xE6\x9C\xAC/", std::nullopt},
    {"gemini://h/\xF0\x9F\x98\x80", "gemini", "h", std::nullopt, "/\xF0\x9F\x98\x80", std::nullopt},
    {"gemini://h/\xEF\xBB\xBF", "gemini", "h", std::nullopt, "/\xEF\xBB\xBF", std::nullopt},  // U+FEFF not leading
    {"gemini://h/a;b=c:d@e!$&'()*+,", "gemini", "h", std::nullopt, "/a;b=c:d@e!$&'()*+,", std::nullopt},
    {"gemini://h/a%25b", "gemini", "h", std::nullopt, "/a%b", std::nullopt},
    {"gemini://h/%23%3F", "gemini", "h", std::nullopt, "/#?", std::nullopt},
    {"gemini://h/a.b/c.gmi", "gemini", "h", std::nullopt, "/a.b/c.gmi", std::nullopt},
    {"gemini://h/a./b..", "gemini", "h", std::nullopt, "/a./b..", std::nullopt},
    // Queries: kept raw.
    {"gemini://h/search?hello%20world", "gemini", "h", std::nullopt, "/search", "hello%20world"},
    {"gemini://h/?", "gemini", "h", std::nullopt, "/", ""},
    {"gemini://h?q", "gemini", "h", std::nullopt, "/", "q"},
    {"gemini://h/?a?b/c:@!$&'()*+,;=", "gemini", "h", std::nullopt, "/", "a?b/c:@!$&'()*+,;="},
    {"gemini://h/?%2F..%2F", "gemini", "h", std::nullopt, "/", "%2F..%2F"},
    {"gemini://h/?/../.env", "gemini", "h", std::nullopt, "/", "/../.env"},
    {"gemini://h/?\xC3\xA5", "gemini", "h", std::nullopt, "/", "\xC3\xA5"},
    // Other schemes parse, so the server can refuse them with 53.
    {"https://example.com/x", "https", "example.com", std::nullopt, "/x", std::nullopt},
    {"HTTP://Example.com", "http", "example.com", std::nullopt, "/", std::nullopt},
    {"gopher://h:70/1/", "gopher", "h", 70, "/1/", std::nullopt},
    {"titan://h/x;size=10", "titan", "h", std::nullopt, "/x;size=10", std::nullopt},
    {"spartan://h/", "spartan", "h", std::nullopt, "/", std::nullopt},
    {"file:///etc/passwd", "file", "", std::nullopt, "/etc/passwd", std::nullopt},
    {"mailto:a@b", "mailto", "", std::nullopt, "/a@b", std::nullopt},
    {"urn:isbn:0451450523", "urn", "", std::nullopt, "/isbn:0451450523", std::nullopt},
    {"about:", "about", "", std::nullopt, "/", std::nullopt},
    {"a+b-c.d://h/", "a+b-c.d", "h", std::nullopt, "/", std::nullopt},
    {"localhost:1965/", "localhost", "", std::nullopt, "/1965/", std::nullopt},
};

TEST(ParseRequest, AcceptsAndNormalises) {
    for (const auto& row : accepted) {
        SCOPED_TRACE(describe(row.input));
        const auto parsed = parse_request(row.input);
        const auto* request = std::get_if<Request>(&parsed);
        ASSERT_NE(request, nullptr) << "rejected: " << std::get<Rejection>(parsed).meta;
        EXPECT_EQ(request->scheme, row.scheme);
        EXPECT_EQ(request->host, row.host);
        EXPECT_EQ(request->port, row.port);
        EXPECT_EQ(request->path, row.path);
        EXPECT_EQ(request->query, row.query);
    }
}

TEST(ParseRequest, LengthLimitIsExactly1024Bytes) {
    EXPECT_TRUE(std::holds_alternative<Request>(parse_request(uri_of_length(1023))));
    EXPECT_TRUE(std::holds_alternative<Request>(parse_request(uri_of_length(1024))));
    const auto parsed = parse_request(uri_of_length(1025));
    ASSERT_TRUE(std::holds_alternative<Rejection>(parsed));
    EXPECT_EQ(std::get<Rejection>(parsed).status, Status::bad_request);
    // The limit counts bytes, not characters: 1024 bytes of multi-byte UTF-8 are fine.
    std::string utf8 = "gemini://h/";
    while (utf8.size() + 2 <= 1024) utf8 += "\xC3\xA9";
    utf8.resize(1024, 'a');
    EXPECT_TRUE(std::holds_alternative<Request>(parse_request(utf8)));
    EXPECT_TRUE(std::holds_alternative<Rejection>(parse_request(utf8 + "a")));
}

// parse_uri: every rule of parse_request but the length limit.

struct UriRow {
    std::string input;
    std::string expect;  // the path, or "51"/"59" for the status that refuses it
};

const std::vector<UriRow> long_uris = {
    {uri_of_length(1025), uri_of_length(1025).substr(10)},
    {uri_of_length(4096), uri_of_length(4096).substr(10)},
    {uri_of_length(2048) + "/../b", "/b"},
    {uri_of_length(2048) + "/x/y/%2e%2e/%2E%2E/../c", "/c"},
    {"gemini://h/" + std::string(2000, 'a') + "%20b", "/" + std::string(2000, 'a') + " b"},
    {uri_of_length(2048) + " ", "59"},
    {uri_of_length(2048) + "#f", "59"},
    {uri_of_length(2048) + "%zz", "59"},
    {uri_of_length(2048) + "/../../..", "59"},
    {uri_of_length(2048) + "/%c0%ae", "59"},
    {uri_of_length(2048) + "/.env", "51"},
    {uri_of_length(2048) + "/a%2Fb", "51"},
    {"", "59"},
};

TEST(ParseUri, AppliesEveryRuleButTheLengthLimit) {
    for (const auto& row : long_uris) {
        SCOPED_TRACE(describe(row.input));
        const auto parsed = parse_uri(row.input);
        if (row.expect == "51" || row.expect == "59") {
            const auto* rejection = std::get_if<Rejection>(&parsed);
            ASSERT_NE(rejection, nullptr) << "accepted, path " << describe(std::get<Request>(parsed).path);
            EXPECT_EQ(rejection->status, row.expect == "51" ? Status::not_found : Status::bad_request);
        } else {
            const auto* request = std::get_if<Request>(&parsed);
            ASSERT_NE(request, nullptr) << "rejected: " << std::get<Rejection>(parsed).meta;
            EXPECT_EQ(request->host, "h");
            EXPECT_EQ(request->path, row.expect);
        }
    }
}

TEST(ParseUri, AgreesWithParseRequestUpTo1024Bytes) {
    for (const auto& row : rejections) {
        if (row.input.size() > max_request_uri_bytes) continue;
        SCOPED_TRACE(describe(row.input));
        const auto parsed = parse_uri(row.input);
        const auto* rejection = std::get_if<Rejection>(&parsed);
        ASSERT_NE(rejection, nullptr);
        EXPECT_EQ(rejection->status, row.status);
        EXPECT_EQ(rejection->meta, row.meta);
    }
    for (const auto& row : accepted) {
        SCOPED_TRACE(describe(row.input));
        const auto parsed = parse_uri(row.input);
        const auto* request = std::get_if<Request>(&parsed);
        ASSERT_NE(request, nullptr) << "rejected: " << std::get<Rejection>(parsed).meta;
        EXPECT_EQ(request->path, row.path);
        EXPECT_EQ(request->query, row.query);
    }
}

// ---------------------------------------------------------------------------------------
// Traversal: each attempt is refused, or normalises to a path that stays under the root.
// `expect` is the normalised path, or "51"/"59" for the status that refuses it; a ".." that
// would climb above "/", in any encoding, is 59. Inputs that
// begin with '/' are appended to "gemini://h".

struct TraversalRow {
    std::string input;
    std::string expect;
};

const std::vector<TraversalRow> traversals = {
    {"/../etc/passwd", "59"},  // climbs above the root
    {"/../../../../../../../../etc/passwd", "59"},  // climbs above the root
    {"/a/../../..", "59"},  // climbs above the root
    {"/a/b/../../../etc", "59"},  // climbs above the root
    {"/a/b/c/../../../../../../", "59"},  // climbs above the root
    {"/..", "59"},  // climbs above the root
    {"/../", "59"},  // climbs above the root
    {"/.", "/"},
    {"/./", "/"},
    {"//../etc", "/etc"},
    {"/a//..//etc", "/a//etc"},
    {"/%2e%2e/", "59"},  // climbs above the root
    {"/%2E%2E/", "59"},  // climbs above the root
    {"/%2e%2E/%2E%2e/etc/passwd", "59"},  // climbs above the root
    {"/.%2e/", "59"},  // climbs above the root
    {"/%2e./", "59"},  // climbs above the root
    {"/.%2E/.%2e/etc/passwd", "59"},  // climbs above the root
    {"/a/%2e%2E/%2E%2e/etc", "59"},  // climbs above the root
    {"/%2E", "/"},
    {"/a/%2e%2e/b", "/b"},  // inside the path, dot segments still resolve
    {"/a/b/../../c/", "/c/"},
    {"/%2e/%2e%2e", "59"},  // climbs above the root
    {"/..%2F..%2Fetc", "51"},
    {"/..%2f..%2fetc%2fpasswd", "51"},
    {"/%2E%2E%2F", "51"},
    {"/%2e%2e%2f%2e%2e%2fetc%2fpasswd", "51"},
    {"/%2F%2E%2E%2Fetc", "51"},
    {"/a/..%2F", "51"},
    {"/..%2f", "51"},
    {"/..%5c..%5cetc%5cpasswd", "51"},
    {"/%5c..%5c..%5cetc", "51"},
    {"/%5C..%5C", "51"},
    {"/%2e%2e%5c", "51"},
    {"/..\\..", "59"},
    {"/..\\", "59"},
    {"/%00", "51"},
    {"/index.gmi%00.txt", "51"},
    {"/a/..%00/", "51"},
    {"/.%00.", "51"},
    {"/%2e%2e%00/", "51"},
    {"/%252e%252e/", "/%2e%2e/"},  // double encoding stays literal
    {"/%252e%252e%252f", "/%2e%2e%2f"},
    {"/%252E%252E/%252E%252E/etc", "/%2E%2E/%2E%2E/etc"},
    {"/..%252f..%252fetc", "51"},  // decodes to a segment starting with '.'
    {"/%c0%ae%c0%ae/", "59"},      // overlong UTF-8 '.'
    {"/%C0%AE%C0%AE%C0%AF", "59"},
    {"/%c0%2e%c0%2e/", "59"},
    {"/%e0%80%ae%e0%80%ae/", "59"},
    {"/%f0%80%80%ae/", "59"},
    {"/..%c0%af", "59"},   // overlong '/'
    {"/..%c1%9c", "59"},   // overlong '\'
    {"/%u002e%u002e/", "59"},
    {"/\xC0\xAE\xC0\xAE/", "59"},
    {"/./.git", "51"},
    {"/.git", "51"},
    {"/.git/config", "51"},
    {"/.GIT/CONFIG", "51"},
    {"/.hidden", "51"},
    {"/.env", "51"},
    {"/a/.ssh/id_ed25519", "51"},
    {"/%2egit/config", "51"},
    {"/%2Eenv", "51"},
    {"/...", "51"},
    {"/a/...../b", "51"},
    {"/..;/etc", "51"},
    {"/%2e%2e;/", "51"},
    {"/%e2%80%a5", "/\xE2\x80\xA5"},  // U+2025 two-dot leader is not ".."
    {"/%ef%bc%8e%ef%bc%8e/", "/\xEF\xBC\x8E\xEF\xBC\x8E/"},  // fullwidth dots
    {"/\xEF\xBC\x8E\xEF\xBC\x8E/etc", "/\xEF\xBC\x8E\xEF\xBC\x8E/etc"},
    {"gemini://h?/../etc", "/"},
    {"gemini://h:1965/../", "59"},
    {"GEMINI://H/%2E%2E/%2e%2e/", "59"},
    {"gemini:///../etc", "59"},
    {"gemini://../etc", "59"},
    {"gemini://h/..#", "59"},
    {"file:///../etc/passwd", "59"},  // any scheme: malformed before proxied
    {"mailto:../../etc", "59"},
    {"urn:..", "59"},
};

TEST(ParseRequest, TraversalAttemptsNeverLeaveTheRoot) {
    ASSERT_GE(traversals.size(), 40u);
    for (const auto& row : traversals) {
        const std::string uri = row.input.starts_with('/') ? "gemini://h" + row.input : row.input;
        SCOPED_TRACE(describe(uri));
        const auto parsed = parse_request(uri);
        if (const auto* request = std::get_if<Request>(&parsed)) {
            EXPECT_TRUE(is_safe_path(request->path)) << describe(request->path);
            EXPECT_EQ(request->path, row.expect);
        } else {
            const auto& rejection = std::get<Rejection>(parsed);
            EXPECT_EQ(std::to_string(static_cast<int>(rejection.status)), row.expect) << rejection.meta;
        }
    }
}

// ---------------------------------------------------------------------------------------
// Framing

struct LineRow {
    std::string received;
    LineState state;
    std::size_t length;  // checked only when complete
};

const std::vector<LineRow> lines = {
    {"", LineState::incomplete, 0},
    {"gemini://h/", LineState::incomplete, 0},
    {"gemini://h/\r", LineState::incomplete, 0},
    {"gemini://h/\n", LineState::incomplete, 0},  // a bare LF does not end a request
    {"gemini://h/\n\n", LineState::incomplete, 0},
    {"gemini://h/\r\r\n", LineState::complete, 12},
    {"gemini://h/\r\n", LineState::complete, 11},
    {"gemini://h/\r\nextra", LineState::complete, 11},
    {"gemini://h/\nx\r\n", LineState::complete, 13},  // parse_request then rejects the LF
    {"\r\n", LineState::complete, 0},                // empty line: parse_request says 59
    {uri_of_length(1023) + "\r\n", LineState::complete, 1023},
    {uri_of_length(1024) + "\r\n", LineState::complete, 1024},
    {uri_of_length(1024) + "\r\nmore", LineState::complete, 1024},
    {uri_of_length(1024), LineState::incomplete, 0},
    {uri_of_length(1024) + "\r", LineState::incomplete, 0},
    {uri_of_length(1024) + "\n", LineState::too_long, 0},
    {uri_of_length(1024) + "\rx", LineState::too_long, 0},
    {uri_of_length(1025), LineState::too_long, 0},  // no CRLF can end in time any more
    {uri_of_length(1025) + "\r\n", LineState::too_long, 0},
    {uri_of_length(1026), LineState::too_long, 0},
    {uri_of_length(5000), LineState::too_long, 0},
    {std::string(2000, '\n'), LineState::too_long, 0},
};

TEST(FindRequestLine, EndsOnlyAtCrlfWithinTheLimit) {
    for (const auto& row : lines) {
        SCOPED_TRACE(describe(row.received));
        std::size_t length = 9999;
        EXPECT_EQ(find_request_line(row.received, length), row.state);
        if (row.state == LineState::complete) {
            EXPECT_EQ(length, row.length);
        }
    }
}

TEST(FindRequestLine, GrowingBufferBecomesCompleteOrTooLong) {
    // Byte by byte, as a slow client would send: incomplete until the CRLF arrives.
    const std::string request = uri_of_length(1024) + "\r\n";
    std::size_t length = 0;
    for (std::size_t n = 0; n < request.size(); ++n)
        EXPECT_EQ(find_request_line(std::string_view(request).substr(0, n), length), LineState::incomplete) << n;
    EXPECT_EQ(find_request_line(request, length), LineState::complete);
    EXPECT_EQ(length, 1024u);

    const std::string too_long = uri_of_length(1025) + "\r\n";
    LineState last = LineState::incomplete;
    for (std::size_t n = 0; n <= too_long.size(); ++n) {
        last = find_request_line(std::string_view(too_long).substr(0, n), length);
        if (n <= 1024) {
            EXPECT_EQ(last, LineState::incomplete) << n;
        }
    }
    EXPECT_EQ(last, LineState::too_long);
}

// ---------------------------------------------------------------------------------------
// encode_path

struct EncodeRow {
    std::string decoded;
    std::string encoded;
};

const std::vector<EncodeRow> encodings = {
    {"/", "/"},
    {"/notes/", "/notes/"},
    {"/a-b_c.d~e/", "/a-b_c.d~e/"},
    {"/!$&'()*+,;=:@", "/!$&'()*+,;=:@"},
    {"/a b", "/a%20b"},
    {"/caf\xC3\xA9", "/caf%C3%A9"},
    {"/\xF0\x9F\x98\x80", "/%F0%9F%98%80"},
    {"/100%", "/100%25"},
    {"/a?b#c", "/a%3Fb%23c"},
    {"/[x]", "/%5Bx%5D"},
    {"/\"<>\\^`{|}", "/%22%3C%3E%5C%5E%60%7B%7C%7D"},
    {"/\x01\x7F", "/%01%7F"},
    {"", ""},
};

TEST(EncodePath, KeepsSafeCharactersAndEncodesTheRest) {
    for (const auto& row : encodings) {
        SCOPED_TRACE(describe(row.decoded));
        EXPECT_EQ(encode_path(row.decoded), row.encoded);
    }
}

TEST(EncodePath, RoundTripsThroughParseRequest) {
    for (const auto& row : accepted) {
        if (row.scheme != "gemini") continue;
        const auto reparsed = parse_request("gemini://h" + encode_path(row.path));
        ASSERT_TRUE(std::holds_alternative<Request>(reparsed)) << describe(row.path);
        EXPECT_EQ(std::get<Request>(reparsed).path, row.path);
    }
}

}  // namespace
}  // namespace kapsel::gemini
