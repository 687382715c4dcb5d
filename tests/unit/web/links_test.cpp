// Gemtext link targets → mirror hrefs: relative references, absolute paths, own and other
// hosts, other schemes, queries and fragments, a prefixed base path, percent-encoding, and
// links that climb above the root.

#include "web/links.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace kapsel::web {
namespace {

struct HrefRow {
    std::string target;
    std::string page;  // capsule path of the page the link is on
    std::string base;  // the mirror's base path
    std::string href;
};

const std::vector<std::string> own_hosts = {"kapsel.example", "localhost", "::1"};

constexpr const char* note = "/anteckningar/kallor.gmi";

const std::vector<HrefRow> rows = {
    // Relative references, resolved against the page.
    {"x.gmi", note, "/", "/anteckningar/x.html"},
    {"./x.gmi", note, "/", "/anteckningar/x.html"},
    {"../artiklar/tryggt-umea.gmi", note, "/", "/artiklar/tryggt-umea.html"},
    {"../artiklar/tryggt-umea.txt", note, "/", "/artiklar/tryggt-umea.txt"},
    {"tidslinje.gmi", note, "/", "/anteckningar/tidslinje.html"},
    {"under/y.gmi", note, "/", "/anteckningar/under/y.html"},
    {"under/", note, "/", "/anteckningar/under/"},
    {"./", note, "/", "/anteckningar/"},
    {".", note, "/", "/anteckningar/"},
    {"..", note, "/", "/"},
    {"../", note, "/", "/"},
    {"a/./b/../c.gmi", note, "/", "/anteckningar/a/c.html"},
    {"", note, "/", "/anteckningar/kallor.html"},  // the page itself
    {"x.gmi", "/", "/", "/x.html"},
    {"x.gmi", "/index.gmi", "/", "/x.html"},
    {"x.gmi", "/dir/", "/", "/dir/x.html"},  // an index page, keyed by its directory
    {"../x.gmi", "/dir/", "/", "/x.html"},
    {"x.gmi", "", "/", "/x.html"},
    {"bild.png", "/dir/sida.gmi", "/", "/dir/bild.png"},
    {"a:b", note, "/", "a:b"},          // a scheme, not a path
    {"./a:b.gmi", note, "/", "/anteckningar/a:b.html"},
    // Absolute paths.
    {"/", note, "/", "/"},
    {"/atom.xml", note, "/", "/atom.xml"},
    {"/artiklar/tryggt-umea.gmi", note, "/", "/artiklar/tryggt-umea.html"},
    {"/anteckningar/", note, "/", "/anteckningar/"},
    {"/anteckningar", note, "/", "/anteckningar"},  // the web server redirects, as kapsel does
    {"/X.GMI", note, "/", "/X.html"},
    {"/a.gmi.txt", note, "/", "/a.gmi.txt"},
    {"/gmi", note, "/", "/gmi"},
    {"/a.gemini", note, "/", "/a.gemini"},
    // Own hosts, any port.
    {"gemini://kapsel.example/a.gmi", note, "/", "/a.html"},
    {"gemini://kapsel.example/", note, "/", "/"},
    {"gemini://kapsel.example", note, "/", "/"},
    {"gemini://kapsel.example:1965/a.gmi", note, "/", "/a.html"},
    {"gemini://kapsel.example:1966/anteckningar/", note, "/", "/anteckningar/"},
    {"gemini://kapsel.example:/a.gmi", note, "/", "/a.html"},
    {"GEMINI://KAPSEL.Example./atom.xml", note, "/", "/atom.xml"},
    {"gemini://localhost/x.gmi", note, "/", "/x.html"},
    {"gemini://[::1]:1965/x.gmi", note, "/", "/x.html"},
    {"//kapsel.example/x.gmi", note, "/", "/x.html"},  // a network-path reference
    // Other hosts, and URLs that are not ours: as written.
    {"gemini://other.example/a.gmi", note, "/", "gemini://other.example/a.gmi"},
    {"gemini://kapsel.example.evil/a.gmi", note, "/", "gemini://kapsel.example.evil/a.gmi"},
    {"gemini://evilkapsel.example/", note, "/", "gemini://evilkapsel.example/"},
    {"gemini://user@kapsel.example/a.gmi", note, "/", "gemini://user@kapsel.example/a.gmi"},
    {"gemini://kapsel.example:x/a.gmi", note, "/", "gemini://kapsel.example:x/a.gmi"},
    {"gemini://[::2]/", note, "/", "gemini://[::2]/"},
    {"gemini:///a.gmi", note, "/", "gemini:///a.gmi"},
    {"gemini:a.gmi", note, "/", "gemini:a.gmi"},
    {"//other.example/x.gmi", note, "/", "gemini://other.example/x.gmi"},  // what it meant, not http(s)
    // Other schemes: as written, even for our own host.
    {"https://kapsel.example/a.gmi", note, "/", "https://kapsel.example/a.gmi"},
    {"HTTP://example.com/a b", note, "/", "HTTP://example.com/a b"},
    {"mailto:redaktion@example.com", note, "/", "mailto:redaktion@example.com"},
    {"gopher://gopher.example/1/", note, "/", "gopher://gopher.example/1/"},
    {"titan://kapsel.example/x.gmi", note, "/", "titan://kapsel.example/x.gmi"},
    {"javascript:alert(1)", note, "/", "javascript:alert(1)"},  // render_page refuses it
    // Queries and fragments are kept.
    {"x.gmi?q=1", note, "/", "/anteckningar/x.html?q=1"},
    {"x.gmi#del-2", note, "/", "/anteckningar/x.html#del-2"},
    {"x.gmi?a=1&b=2#f", note, "/", "/anteckningar/x.html?a=1&b=2#f"},
    {"?sök", note, "/", "/anteckningar/kallor.html?s%C3%B6k"},
    {"#topp", note, "/", "/anteckningar/kallor.html#topp"},
    {"/?", note, "/", "/?"},
    {"x.gmi#a#b", note, "/", "/anteckningar/x.html#a%23b"},
    {"x.gmi?a/b?c", note, "/", "/anteckningar/x.html?a/b?c"},
    {"gemini://kapsel.example/s?q=x.gmi", note, "/", "/s?q=x.gmi"},
    {"gemini://kapsel.example?q", note, "/", "/?q"},
    {"gemini://other.example/?q#f", note, "/", "gemini://other.example/?q#f"},
    // A base path with a prefix.
    {"x.gmi", note, "/spegel/", "/spegel/anteckningar/x.html"},
    {"/", note, "/spegel/", "/spegel/"},
    {"/atom.xml", note, "/spegel/", "/spegel/atom.xml"},
    {"gemini://kapsel.example/a.gmi?q", note, "/spegel/", "/spegel/a.html?q"},
    {"../../../x.gmi", note, "/spegel/", "/spegel/x.html"},
    {"https://example.com/", note, "/spegel/", "https://example.com/"},
    {"x.gmi", note, "/a/b/", "/a/b/anteckningar/x.html"},
    {"x.gmi", note, "spegel", "/spegel/anteckningar/x.html"},  // slashes added
    {"x.gmi", note, "", "/anteckningar/x.html"},
    // Percent-encoding: escapes kept, what a URI cannot hold encoded, %2E as a dot.
    {"om%20artikeln.gmi", note, "/", "/anteckningar/om%20artikeln.html"},
    {"%C3%A5r.gmi", note, "/", "/anteckningar/%C3%A5r.html"},
    {"år.gmi", note, "/", "/anteckningar/%C3%A5r.html"},
    {"a b.gmi", note, "/", "/anteckningar/a%20b.html"},
    {"a%2Fb.gmi", note, "/", "/anteckningar/a%2Fb.html"},  // an encoded slash stays one segment
    {"100%.gmi", note, "/", "/anteckningar/100%25.html"},
    {"%zz", note, "/", "/anteckningar/%25zz"},
    {"%2e%2e/x.gmi", note, "/", "/x.html"},
    {"%2E/x.gmi", note, "/", "/anteckningar/x.html"},
    {"a\"b<c>", note, "/", "/anteckningar/a%22b%3Cc%3E"},
    {"\\\\evil.example/x", note, "/", "/anteckningar/%5C%5Cevil.example/x"},  // '\' is '/' to browsers
    {"/\\evil.example", note, "/", "/%5Cevil.example"},
    {"x.gmi", "/om artikeln/sida.gmi", "/", "/om%20artikeln/x.html"},  // the page's path is encoded
    {"x.gmi", "/år/", "/", "/%C3%A5r/x.html"},
    // Climbing above the root stays at the root (RFC 3986 §5.2.4), inside the mirror.
    {"../../../x.gmi", note, "/", "/x.html"},
    {"../../..", note, "/", "/"},
    {"../../../", note, "/", "/"},
    {"/../x.gmi", note, "/", "/x.html"},
    {"/a/../../b/../../c.gmi", note, "/", "/c.html"},
    {"/..", note, "/", "/"},
    {"gemini://kapsel.example/../../etc/passwd", note, "/", "/etc/passwd"},
    {"%2e%2e/%2E%2E/x.gmi", note, "/", "/x.html"},
    {"../.. /x", note, "/", "/..%20/x"},  // ".. " is a name, not a dot segment
    // A path that would begin with "//" (and read as a host) keeps a "/." in front.
    {".//evil.example/x", "/", "/", "/.//evil.example/x"},
    {"/.//evil.example/x", note, "/", "/.//evil.example/x"},
    {"/..//evil.example/x", note, "/", "/.//evil.example/x"},
    {"gemini://kapsel.example//evil.example/", note, "/", "/.//evil.example/"},
    {"/.//x", note, "/spegel/", "/spegel//x"},
};

TEST(MirrorHref, Table) {
    for (const HrefRow& row : rows) {
        EXPECT_EQ(mirror_href(row.target, row.page, own_hosts, row.base), row.href)
            << "target " << row.target << " on " << row.page << " under " << row.base;
    }
}

TEST(MirrorHref, NoOwnHostsMeansEveryGeminiUrlIsOutside) {
    EXPECT_EQ(mirror_href("gemini://kapsel.example/a.gmi", note, {}, "/"), "gemini://kapsel.example/a.gmi");
    EXPECT_EQ(mirror_href("/a.gmi", note, {}, "/"), "/a.html");
    EXPECT_EQ(mirror_href("gemini:///a.gmi", note, {""}, "/"), "gemini:///a.gmi");  // an empty host is no host
    EXPECT_EQ(mirror_href("gemini://x./a.gmi", note, {"X"}, "/"), "/a.html");
    EXPECT_EQ(mirror_href("gemini://[::1]/a.gmi", note, {"[::1]"}, "/"), "/a.html");
}

TEST(MirrorHref, InternalHrefsAreAlwaysPathsUnderTheBase) {
    // Whatever is written, an internal link never leaves the base path nor names a host.
    for (const HrefRow& row : rows) {
        const std::string href = mirror_href(row.target, row.page, own_hosts, "/spegel/");
        if (href.find(':') != std::string::npos && href.find(':') < href.find('/')) continue;  // a scheme
        if (href.starts_with("gemini:")) continue;
        EXPECT_TRUE(href.starts_with("/spegel/")) << row.target << " → " << href;
        EXPECT_EQ(href.find("/../"), std::string::npos) << row.target << " → " << href;
        EXPECT_EQ(href.find('\\'), std::string::npos) << row.target << " → " << href;
        EXPECT_EQ(href.find(' '), std::string::npos) << row.target << " → " << href;
    }
}

}  // namespace
}  // namespace kapsel::web
