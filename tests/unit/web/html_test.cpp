// Gemtext → HTML5: every line type and how lines group, preformatted blocks, escaping in text
// and attributes, unsafe hrefs, the head, empty documents, CRLF, invalid UTF-8, redirect pages,
// and the shipped capsule's pages through a strict HTML5 parser (html5lib).

#include "web/html.hpp"
#include "web/html_text.hpp"
#include "web/links.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "syndication/front_matter.hpp"

namespace kapsel::web {
namespace {

namespace fs = std::filesystem;
using namespace std::string_literals;

std::string describe(const std::string& s) {
    std::string out;
    for (unsigned char c : s) {
        if (c < 0x20 || c == 0x7F) {
            static constexpr char hex[] = "0123456789ABCDEF";
            out += "\\x";
            out += hex[c >> 4];
            out += hex[c & 0xF];
        } else {
            out += static_cast<char>(c);
        }
    }
    return out;
}

std::string read_file(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot open " + path.string());
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// What render_page writes between <main> and </main>.
std::string main_of(const std::string& page) {
    const std::size_t start = page.find("<main>\n");
    const std::size_t end = page.find("</main>");
    if (start == std::string::npos || end == std::string::npos) return "(no main: " + page + ")";
    return page.substr(start + 7, end - start - 7);
}

std::string head_of(const std::string& page) {
    const std::size_t start = page.find("<head>\n");
    const std::size_t end = page.find("</head>");
    if (start == std::string::npos || end == std::string::npos) return "(no head)";
    return page.substr(start + 7, end - start - 7);
}

std::string body_html(std::string_view gemtext) { return main_of(render_page(gemtext, {}, {})); }

// ---------------------------------------------------------------------------------------
// Line types

struct BodyRow {
    std::string gemtext;
    std::string html;  // between <main> and </main>
};

const std::vector<BodyRow> line_types = {
    // Text lines: one p each; blank lines (and lines of only spaces and tabs) add nothing.
    {"Hej", "<p>Hej</p>\n"},
    {"Ett\nTvå\n", "<p>Ett</p>\n<p>Två</p>\n"},
    {"Ett\n\n\n\nTvå", "<p>Ett</p>\n<p>Två</p>\n"},
    {"  \t \n", ""},
    {"  indraget  ", "<p>indraget</p>\n"},
    {" # en rubrik med mellanslag först", "<p># en rubrik med mellanslag först</p>\n"},
    {" => x.gmi", "<p>=&gt; x.gmi</p>\n"},
    {" * punkt", "<p>* punkt</p>\n"},
    {" > citat", "<p>&gt; citat</p>\n"},
    {" ```", "<p>```</p>\n"},
    {"*inte en punkt", "<p>*inte en punkt</p>\n"},
    {"*", "<p>*</p>\n"},
    {"*\tflik", "<p>*\tflik</p>\n"},
    {"`` två", "<p>`` två</p>\n"},
    {"= > nej", "<p>= &gt; nej</p>\n"},
    // Headings: the text after the marks and their whitespace.
    {"# Rubrik", "<h1>Rubrik</h1>\n"},
    {"#Rubrik", "<h1>Rubrik</h1>\n"},
    {"## Under", "<h2>Under</h2>\n"},
    {"##\t Under", "<h2>Under</h2>\n"},
    {"### Tre", "<h3>Tre</h3>\n"},
    {"#### Fyra", "<h3># Fyra</h3>\n"},
    {"####", "<h3>#</h3>\n"},
    {"#", ""},
    {"##  ", ""},
    {"# a # b", "<h1>a # b</h1>\n"},
    // List items: consecutive ones in one ul; anything else ends it.
    {"* ett", "<ul>\n<li>ett</li>\n</ul>\n"},
    {"* ett\n* två\n*   tre", "<ul>\n<li>ett</li>\n<li>två</li>\n<li>tre</li>\n</ul>\n"},
    {"* ett\n\n* två", "<ul>\n<li>ett</li>\n</ul>\n<ul>\n<li>två</li>\n</ul>\n"},
    {"* ett\ntext\n* två", "<ul>\n<li>ett</li>\n</ul>\n<p>text</p>\n<ul>\n<li>två</li>\n</ul>\n"},
    {"* ett\n* \n* två", "<ul>\n<li>ett</li>\n<li>två</li>\n</ul>\n"},  // an empty item adds nothing
    {"* ", ""},
    {"* ett\n> citat", "<ul>\n<li>ett</li>\n</ul>\n<blockquote>\n<p>citat</p>\n</blockquote>\n"},
    {"* ett\n>\n* två", "<ul>\n<li>ett</li>\n</ul>\n<ul>\n<li>två</li>\n</ul>\n"},
    // Quote lines: one blockquote per run, one p per line.
    {"> citat", "<blockquote>\n<p>citat</p>\n</blockquote>\n"},
    {">citat", "<blockquote>\n<p>citat</p>\n</blockquote>\n"},
    {"> ett\n>två\n>\n>   tre", "<blockquote>\n<p>ett</p>\n<p>två</p>\n<p>tre</p>\n</blockquote>\n"},
    {"> ett\n\n> två", "<blockquote>\n<p>ett</p>\n</blockquote>\n<blockquote>\n<p>två</p>\n</blockquote>\n"},
    {"> ett\n* två", "<blockquote>\n<p>ett</p>\n</blockquote>\n<ul>\n<li>två</li>\n</ul>\n"},
    {">", ""},
    {">> inne", "<blockquote>\n<p>&gt; inne</p>\n</blockquote>\n"},
    // Links: one p each, the URL as label when there is none.
    {"=> x.gmi Etikett", "<p><a href=\"x.gmi\">Etikett</a></p>\n"},
    {"=>x.gmi", "<p><a href=\"x.gmi\">x.gmi</a></p>\n"},
    {"=>\t x.gmi \t Lång   etikett  ", "<p><a href=\"x.gmi\">Lång   etikett</a></p>\n"},
    {"=> x.gmi \t ", "<p><a href=\"x.gmi\">x.gmi</a></p>\n"},
    {"=> a.gmi A\n=> b.gmi B", "<p><a href=\"a.gmi\">A</a></p>\n<p><a href=\"b.gmi\">B</a></p>\n"},
    {"* ett\n=> a.gmi A", "<ul>\n<li>ett</li>\n</ul>\n<p><a href=\"a.gmi\">A</a></p>\n"},
    {"=>", "<p>=&gt;</p>\n"},  // no URL: a text line
    {"=>  \t", "<p>=&gt;</p>\n"},
    {"=>gemini://h/ 2023-03-20 - Titel", "<p><a href=\"gemini://h/\">2023-03-20 - Titel</a></p>\n"},
    // Preformatted blocks: verbatim lines; the alt text of the opening toggle as aria-label.
    {"```\nkod\n```", "<pre>\nkod</pre>\n"},
    {"```python kod\nprint(1)\n```", "<pre aria-label=\"python kod\">\nprint(1)</pre>\n"},
    {"```   \nx\n```", "<pre>\nx</pre>\n"},
    {"```\n\n  indrag\n\n```", "<pre>\n\n  indrag\n</pre>\n"},  // a blank first line survives
    {"```\n# inte\n=> inte\n* inte\n> inte\n```",
     "<pre>\n# inte\n=&gt; inte\n* inte\n&gt; inte</pre>\n"},
    {"```\n```", "<pre>\n</pre>\n"},
    {"```\na\n``` slut ignoreras\nefter", "<pre>\na</pre>\n<p>efter</p>\n"},
    {"```alt\nhela\nvägen", "<pre aria-label=\"alt\">\nhela\nvägen</pre>\n"},  // unterminated
    {"```", "<pre>\n</pre>\n"},
    {"* a\n```\nb\n```\n* c", "<ul>\n<li>a</li>\n</ul>\n<pre>\nb</pre>\n<ul>\n<li>c</li>\n</ul>\n"},
    {"```\n\ta\tb\t\n```", "<pre>\n\ta\tb\t</pre>\n"},
    // Empty documents.
    {"", ""},
    {"\n", ""},
    {"\r\n\r\n", ""},
};

TEST(RenderPage, EachLineType) {
    for (const BodyRow& row : line_types) {
        EXPECT_EQ(body_html(row.gemtext), row.html) << describe(row.gemtext);
    }
}

TEST(RenderPage, CrlfAndLfGiveTheSamePage) {
    for (const BodyRow& row : line_types) {
        if (row.gemtext.find('\r') != std::string::npos) continue;
        std::string crlf;
        for (const char c : row.gemtext) {
            if (c == '\n') crlf += '\r';
            crlf += c;
        }
        EXPECT_EQ(body_html(crlf), row.html) << describe(crlf);
    }
    EXPECT_EQ(body_html("```\r\n  a \r\n```\r\n"), "<pre>\n  a </pre>\n");
    EXPECT_EQ(body_html("a\rb"), "<p>a\rb</p>\n");  // a lone CR ends no line
}

// ---------------------------------------------------------------------------------------
// Escaping: nothing from the gemtext becomes markup

const std::vector<BodyRow> escaping = {
    {"<script>alert(1)</script>", "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>\n"},
    {"a & b &amp; &lt;", "<p>a &amp; b &amp;amp; &amp;lt;</p>\n"},
    {"\"dubbla\" 'enkla'", "<p>&quot;dubbla&quot; &#39;enkla&#39;</p>\n"},
    {"# <h2>x</h2>", "<h1>&lt;h2&gt;x&lt;/h2&gt;</h1>\n"},
    {"* <li>", "<ul>\n<li>&lt;li&gt;</li>\n</ul>\n"},
    {"> </blockquote>", "<blockquote>\n<p>&lt;/blockquote&gt;</p>\n</blockquote>\n"},
    {"```\n</pre><script>\n```", "<pre>\n&lt;/pre&gt;&lt;script&gt;</pre>\n"},
    {"```\" onmouseover=\"x\" '\n```", "<pre aria-label=\"&quot; onmouseover=&quot;x&quot; &#39;\">\n</pre>\n"},
    {"=> x\"onclick=\"y <b>", "<p><a href=\"x&quot;onclick=&quot;y\">&lt;b&gt;</a></p>\n"},
    {"=> a'b&c<d>", "<p><a href=\"a&#39;b&amp;c&lt;d&gt;\">a&#39;b&amp;c&lt;d&gt;</a></p>\n"},
    {"<!-- kommentar -->", "<p>&lt;!-- kommentar --&gt;</p>\n"},
    {"&#106;avascript", "<p>&amp;#106;avascript</p>\n"},
    // Invalid UTF-8 and characters HTML cannot carry become U+FFFD.
    {"a\xFF" "b", "<p>a\xEF\xBF\xBD" "b</p>\n"},
    {"\xC3(", "<p>\xEF\xBF\xBD(</p>\n"},                      // the byte after a broken sequence stays
    {"\xE2\x82", "<p>\xEF\xBF\xBD\xEF\xBF\xBD</p>\n"},         // truncated: one U+FFFD per byte
    {"\xED\xA0\x80", "<p>\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD</p>\n"},  // a surrogate
    {"\xC0\xBC", "<p>\xEF\xBF\xBD\xEF\xBF\xBD</p>\n"},         // overlong '<'
    {"a\0b"s, "<p>a\xEF\xBF\xBD" "b</p>\n"},
    {"a\x01\x0B\x1B\x7F" "b", "<p>a\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD" "b</p>\n"},
    {"a\xC2\x85" "b", "<p>a\xEF\xBF\xBD" "b</p>\n"},           // C1 control NEL
    {"a\xEF\xB7\x90" "b", "<p>a\xEF\xBF\xBD" "b</p>\n"},       // U+FDD0
    {"a\xF0\x9F\xBF\xBF" "b", "<p>a\xEF\xBF\xBD" "b</p>\n"},   // U+1FFFF
    {"a\x0C" "b\tc", "<p>a\x0C" "b\tc</p>\n"},                 // FF and tab are whitespace to HTML
    {"Umeå – ”citat” \xF0\x9F\x98\x80", "<p>Umeå – ”citat” \xF0\x9F\x98\x80</p>\n"},
    {"```\n\x01\xFF\n```", "<pre>\n\xEF\xBF\xBD\xEF\xBF\xBD</pre>\n"},
};

TEST(RenderPage, EscapesEveryPieceOfText) {
    for (const BodyRow& row : escaping) {
        EXPECT_EQ(body_html(row.gemtext), row.html) << describe(row.gemtext);
    }
}

struct CharsRow {
    std::string input;
    std::string output;
};

TEST(HtmlText, ReplacesWhatHtmlCannotCarry) {
    const std::vector<CharsRow> rows = {
        {"", ""},
        {"plain ASCII\t\r\n\x0C", "plain ASCII\t\r\n\x0C"},
        {"\x7F", "\xEF\xBF\xBD"},
        {"\xC2\x9F\xC2\xA0", "\xEF\xBF\xBD\xC2\xA0"},  // U+009F is C1, U+00A0 is not
        {"\xEF\xB7\xAF\xEF\xB7\xB0", "\xEF\xBF\xBD\xEF\xB7\xB0"},  // U+FDEF, U+FDF0
        {"\xEF\xBF\xBE\xEF\xBF\xBD", "\xEF\xBF\xBD\xEF\xBF\xBD"},  // U+FFFE, U+FFFD itself
        {"\xF4\x8F\xBF\xBF", "\xEF\xBF\xBD"},                        // U+10FFFF
        {"\xF4\x8F\xBF\xBD", "\xF4\x8F\xBF\xBD"},                    // U+10FFFD is fine
        {"\xF4\x90\x80\x80", "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"},  // past U+10FFFF
    };
    for (const CharsRow& row : rows) EXPECT_EQ(to_html_chars(row.input), row.output) << describe(row.input);
    EXPECT_EQ(html_escape("<&>\"'"), "&lt;&amp;&gt;&quot;&#39;");
}

// ---------------------------------------------------------------------------------------
// Unsafe hrefs

struct HrefRow {
    std::string href;
    bool safe;
};

TEST(HtmlText, RefusesScriptAndDataUrlsAsBrowsersReadThem) {
    const std::vector<HrefRow> rows = {
        {"javascript:alert(1)", false},
        {"JavaScript:alert(1)", false},
        {"JAVASCRIPT:", false},
        {"vbscript:msgbox", false},
        {"VBScript:x", false},
        {"data:text/html,<script>x</script>", false},
        {"DATA:,x", false},
        {" javascript:x", false},
        {"\x01\x1F javascript:x", false},
        {"\0javascript:x"s, false},
        {"java\tscript:x", false},
        {"java\nscript:x", false},
        {"java\rscript:x", false},
        {"\tjav\na\rscript:x", false},
        {"javascript\t:x", false},
        // Safe: relative references, other schemes, look-alikes that are no scheme at all.
        {"", true},
        {"javascript", true},
        {"/javascript:x", true},
        {"./javascript:x", true},
        {"?javascript:x", true},
        {"#javascript:x", true},
        {"x/javascript:y", true},
        {"java script:x", true},
        {"java\x0Bscript:x", true},  // VT is not stripped: not a scheme
        {"\xEF\xBF\xBDjavascript:x", true},
        {"&#106;avascript:x", true},  // escaped on output, so a relative path
        {"javascripts:x", true},
        {"datax:y", true},
        {"https://example.com/javascript:x", true},
        {"gemini://h/x.gmi", true},
        {"mailto:a@example.com", true},
        {"gopher://h/1", true},
        {"x.html", true},
    };
    for (const HrefRow& row : rows) EXPECT_EQ(is_safe_href(row.href), row.safe) << describe(row.href);
}

TEST(RenderPage, UnsafeLinksBecomePlainText) {
    const std::vector<BodyRow> rows = {
        {"=> javascript:alert(1) Klicka", "<p>Klicka</p>\n"},
        {"=> JAVASCRIPT:alert(1)", "<p>JAVASCRIPT:alert(1)</p>\n"},
        {"=> vbscript:x VB", "<p>VB</p>\n"},
        {"=> data:text/html,<b>x</b> Data", "<p>Data</p>\n"},
        {"=> data:,x", "<p>data:,x</p>\n"},
        {"=> x.gmi Trygg", "<p><a href=\"x.gmi\">Trygg</a></p>\n"},
    };
    for (const BodyRow& row : rows) EXPECT_EQ(body_html(row.gemtext), row.html) << describe(row.gemtext);

    // What the mapper returns is checked too, however it came about.
    const LinkMapper to_script = [](std::string_view) { return std::string("\tjava\nscript:alert(1)"); };
    EXPECT_EQ(main_of(render_page("=> x.gmi Etikett", {}, to_script)), "<p>Etikett</p>\n");
}

TEST(RenderPage, LinksGoThroughTheMapper) {
    const std::vector<std::string> hosts = {"kapsel.example"};
    const LinkMapper mirror = [&](std::string_view target) {
        return mirror_href(target, "/anteckningar/kallor.gmi", hosts, "/");
    };
    EXPECT_EQ(main_of(render_page("=> ../artiklar/tryggt-umea.gmi Läs artikeln\n"
                                  "=> gemini://kapsel.example/atom.xml\n"
                                  "=> https://example.com/ Webben",
                                  {}, mirror)),
              "<p><a href=\"/artiklar/tryggt-umea.html\">Läs artikeln</a></p>\n"
              "<p><a href=\"/atom.xml\">gemini://kapsel.example/atom.xml</a></p>\n"  // the label as written
              "<p><a href=\"https://example.com/\">Webben</a></p>\n");
    std::vector<std::string> seen;
    const LinkMapper record = [&](std::string_view target) {
        seen.emplace_back(target);
        return std::string("/m");
    };
    EXPECT_EQ(main_of(render_page("=> a b\ntext\n```\n=> inte\n```\n=>\tc\t", {}, record)),
              "<p><a href=\"/m\">b</a></p>\n<p>text</p>\n<pre>\n=&gt; inte</pre>\n<p><a href=\"/m\">c</a></p>\n");
    EXPECT_EQ(seen, (std::vector<std::string>{"a", "c"}));
}

// ---------------------------------------------------------------------------------------
// The head

TEST(RenderPage, HeadCarriesLanguageTitleAndLinks) {
    PageInfo info;
    info.lang = "sv";
    info.title = "Källor & <citat>";
    info.feed_href = "/atom.xml";
    info.feed_title = "Tryggt \"och\" säkert";
    info.canonical_href = "https://kapsel.example/anteckningar/kallor.html";
    info.gemini_href = "gemini://kapsel.example/anteckningar/kallor.gmi";
    const std::string page = render_page("# Rubrik\ntext", info, {});
    EXPECT_TRUE(page.starts_with("<!DOCTYPE html>\n<html lang=\"sv\">\n<head>\n<meta charset=\"utf-8\">\n"));
    const std::string head = head_of(page);
    EXPECT_NE(head.find("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"), std::string::npos);
    EXPECT_NE(head.find("<title>Källor &amp; &lt;citat&gt;</title>\n"), std::string::npos);
    EXPECT_NE(head.find("<link rel=\"canonical\" href=\"https://kapsel.example/anteckningar/kallor.html\">\n"),
              std::string::npos);
    EXPECT_NE(head.find("<link rel=\"alternate\" type=\"text/gemini\" "
                        "href=\"gemini://kapsel.example/anteckningar/kallor.gmi\">\n"),
              std::string::npos);
    EXPECT_NE(head.find("<link rel=\"alternate\" type=\"application/atom+xml\" "
                        "title=\"Tryggt &quot;och&quot; säkert\" href=\"/atom.xml\">\n"),
              std::string::npos);
    // A small style of its own: nothing to fetch, no script.
    EXPECT_NE(head.find("<style>"), std::string::npos);
    EXPECT_NE(head.find("max-width:40em"), std::string::npos);
    EXPECT_NE(head.find("line-height:1.6"), std::string::npos);
    EXPECT_NE(head.find("pre{overflow-x:auto"), std::string::npos);
    EXPECT_EQ(page.find("<script"), std::string::npos);
    EXPECT_EQ(page.find("url("), std::string::npos);
    EXPECT_EQ(page.find("@import"), std::string::npos);
    EXPECT_EQ(page.find("src="), std::string::npos);
    EXPECT_TRUE(page.ends_with("<h1>Rubrik</h1>\n<p>text</p>\n</main>\n</body>\n</html>\n"));
}

TEST(RenderPage, HeadOmitsWhatIsNotGiven) {
    PageInfo info;
    info.feed_href = "/atom.xml";  // without a title
    const std::string page = render_page("", info, {});
    EXPECT_TRUE(page.starts_with("<!DOCTYPE html>\n<html>\n<head>\n<meta charset=\"utf-8\">\n"
                                 "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                                 "<title>/</title>\n"
                                 "<link rel=\"alternate\" type=\"application/atom+xml\" href=\"/atom.xml\">\n"
                                 "<style>"))
        << page;
    EXPECT_TRUE(page.ends_with("</style>\n</head>\n<body>\n<main>\n</main>\n</body>\n</html>\n")) << page;
    EXPECT_EQ(page.find("rel=\"canonical\""), std::string::npos);
    EXPECT_EQ(page.find("text/gemini"), std::string::npos);
    EXPECT_EQ(page.find("lang="), std::string::npos);
}

TEST(RenderPage, HeadRefusesBadLanguageTagsAndUnsafeHrefs) {
    PageInfo info;
    info.lang = "sv\" onload=\"x";
    info.canonical_href = "javascript:alert(1)";
    info.gemini_href = " data:,x";
    info.feed_href = "vbscript:x";
    const std::string page = render_page("text", info, {});
    EXPECT_TRUE(page.starts_with("<!DOCTYPE html>\n<html>\n"));
    EXPECT_EQ(page.find("<link"), std::string::npos);
    info.lang = "en-GB";
    EXPECT_TRUE(render_page("", info, {}).starts_with("<!DOCTYPE html>\n<html lang=\"en-GB\">\n"));
}

struct TitleRow {
    std::string gemtext;
    std::string title;
    std::string path;
    std::string expected;
};

TEST(RenderPage, TitleFallsBackToTheFirstHeadingThenThePath) {
    const std::vector<TitleRow> rows = {
        {"# Rubrik", "Given", "/p.gmi", "Given"},
        {"# Rubrik\n# Andra", "", "/p.gmi", "Rubrik"},
        {"## Under\n### Tre\n#  Först  \n# Sedan", "", "/p.gmi", "Först"},
        {"#\n# Med text", "", "/p.gmi", "Med text"},  // a heading without text is none
        {"```\n# inte\n```\n# Efter", "", "", "Efter"},
        {" # inte\n## Under", "", "/anteckningar/p.gmi", "/anteckningar/p.gmi"},
        {"", "", "", "/"},
        {"# <b>&", "", "", "&lt;b&gt;&amp;"},
    };
    for (const TitleRow& row : rows) {
        PageInfo info;
        info.title = row.title;
        info.path = row.path;
        EXPECT_NE(render_page(row.gemtext, info, {}).find("<title>" + row.expected + "</title>"), std::string::npos)
            << describe(row.gemtext);
    }
}

TEST(RenderPage, SameInputSameBytes) {
    const std::string gemtext = read_file(fs::path(KAPSEL_SOURCE_DIR) / "tests/fuzz/corpus/html/every-line-type.gmi");
    PageInfo info;
    info.lang = "sv";
    info.path = "/x.gmi";
    const std::string first = render_page(gemtext, info, {});
    EXPECT_EQ(render_page(gemtext, info, {}), first);
    EXPECT_EQ(render_page(std::string(gemtext), PageInfo(info), {}), first);
}

// ---------------------------------------------------------------------------------------
// Redirect pages

TEST(RedirectPage, RefreshesCanonicalAndShowsALink) {
    const std::string page = redirect_page("/anteckningar/ny.html", "sv", "Ny plats & namn");
    EXPECT_TRUE(page.starts_with("<!DOCTYPE html>\n<html lang=\"sv\">\n<head>\n<meta charset=\"utf-8\">\n"));
    EXPECT_NE(page.find("<meta http-equiv=\"refresh\" content=\"0; url=/anteckningar/ny.html\">\n"), std::string::npos);
    EXPECT_NE(page.find("<link rel=\"canonical\" href=\"/anteckningar/ny.html\">\n"), std::string::npos);
    EXPECT_NE(page.find("<title>Ny plats &amp; namn</title>\n"), std::string::npos);
    EXPECT_NE(page.find("<main>\n<p><a href=\"/anteckningar/ny.html\">Ny plats &amp; namn</a></p>\n</main>"),
              std::string::npos);
    EXPECT_EQ(redirect_page("/anteckningar/ny.html", "sv", "Ny plats & namn"), page);
}

TEST(RedirectPage, EscapesAndKeepsTheRefreshUrlUnquoted) {
    const std::string page = redirect_page("'/a?b=1&c=\"2\"", "", "");
    EXPECT_NE(page.find("content=\"0; url=%27/a?b=1&amp;c=&quot;2&quot;\""), std::string::npos);
    EXPECT_NE(page.find("<a href=\"&#39;/a?b=1&amp;c=&quot;2&quot;\">&#39;/a?b=1&amp;c=&quot;2&quot;</a>"),
              std::string::npos);
    EXPECT_NE(redirect_page("\"x", "", "").find("url=%22x\""), std::string::npos);
    EXPECT_NE(redirect_page("  /x", "", "").find("url=/x\""), std::string::npos);
    EXPECT_TRUE(redirect_page("/x", "not a tag!", "").starts_with("<!DOCTYPE html>\n<html>\n"));
}

TEST(RedirectPage, RefusesEmptyAndUnsafeTargets) {
    for (const std::string target : {"", " ", "\t\n", "javascript:alert(1)", " JavaScript:x", "data:,x", "vbscript:x"}) {
        EXPECT_THROW(redirect_page(target, "sv", "t"), std::invalid_argument) << describe(target);
    }
}

// ---------------------------------------------------------------------------------------
// A strict HTML5 parser reads every page without a single parse error

/// A scratch directory for one test, removed afterwards.
class TempDir {
public:
    TempDir() {
        std::string tmpl = (fs::temp_directory_path() / "kapsel-web-XXXXXX").string();
        if (!mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
        path_ = tmpl;
    }
    ~TempDir() {
        std::error_code ec;
        fs::remove_all(path_, ec);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const fs::path& path() const { return path_; }

private:
    fs::path path_;
};

class StrictHtml5 : public ::testing::Test {
protected:
    void SetUp() override {
        // Debian's python3 carries python3-html5lib; a python3 earlier on PATH may not.
        python_ = fs::exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
        if (std::system((python_ + " -c 'import html5lib' >/dev/null 2>&1").c_str()) != 0) {
            // CI's machine has every package the setup script installs: there, missing is a failure.
            const std::string required = std::getenv("KAPSEL_REQUIRE") ? std::getenv("KAPSEL_REQUIRE") : "";
            if (required.find("all") != std::string::npos || required.find("html5lib") != std::string::npos)
                FAIL() << "needs html5lib: python3-html5lib missing (KAPSEL_REQUIRE=" << required << ")";
            GTEST_SKIP() << "needs html5lib: python3-html5lib missing";
        }
        std::ofstream(dir_.path() / "check.py") <<
            "import html5lib, sys\n"
            "bad = 0\n"
            "for name in sys.argv[1:]:\n"
            "    try:\n"
            "        html5lib.HTMLParser(strict=True).parse(open(name, 'rb').read())\n"
            "    except html5lib.html5parser.ParseError as e:\n"
            "        print(name + ': ' + str(e)); bad += 1\n"
            "sys.exit(1 if bad else 0)\n";
    }

    // True when html5lib parses every page without an error (which it prints, unless `quiet`).
    bool parse_strictly(const std::vector<std::pair<std::string, std::string>>& pages, bool quiet = false) {
        std::string command = python_ + " " + (dir_.path() / "check.py").string();
        for (const auto& [name, html] : pages) {
            const fs::path file = dir_.path() / (name + ".html");
            std::ofstream(file, std::ios::binary) << html;
            command += " " + file.string();
        }
        if (quiet) command += " >/dev/null";
        return std::system(command.c_str()) == 0;
    }

    std::string python_;
    TempDir dir_;
};

TEST_F(StrictHtml5, TheParserCatchesABrokenPage) {
    // So that a pass below means something: the same check refuses small mistakes.
    const std::string good = render_page("text", {}, {});
    EXPECT_TRUE(parse_strictly({{"good", good}}));
    std::string unclosed = good;
    unclosed.replace(unclosed.find("<p>"), 3, "<p><b>");
    EXPECT_FALSE(parse_strictly({{"unclosed", unclosed}}, true));
    std::string control = good;
    control.replace(control.find("text"), 4, "te\x01xt");
    EXPECT_FALSE(parse_strictly({{"control", control}}, true));
    std::string reference = good;
    reference.replace(reference.find("text"), 4, "te&#13;xt");
    EXPECT_FALSE(parse_strictly({{"reference", reference}}, true));
}

TEST_F(StrictHtml5, ShippedCapsulePagesAndSeedsParse) {
    const fs::path root = fs::path(KAPSEL_SOURCE_DIR) / "capsule";
    const std::vector<std::string> hosts = {"localhost"};
    std::vector<std::pair<std::string, std::string>> pages;
    std::vector<fs::path> sources = {root / "index.gmi"};
    for (const auto& entry : fs::directory_iterator(root / "anteckningar")) sources.push_back(entry.path());
    std::sort(sources.begin(), sources.end());
    ASSERT_GE(sources.size(), 5u);
    for (const fs::path& source : sources) {
        const std::string bytes = read_file(source);
        ASSERT_TRUE(syndication::has_front_matter(bytes)) << source;
        const syndication::DocumentSource doc = syndication::parse_document(bytes, source.stem().string());
        const std::string path = "/" + fs::relative(source, root).generic_string();
        PageInfo info;
        info.lang = "sv";
        info.path = path;
        info.feed_href = "/atom.xml";
        info.feed_title = "Tryggt och säkert Umeå";
        info.canonical_href = "https://localhost" + path;
        info.gemini_href = "gemini://localhost" + path;
        const std::string page = render_page(doc.body, info, [&](std::string_view target) {
            return mirror_href(target, path, hosts, "/");
        });
        // The shipped pages link to each other as mirror pages.
        EXPECT_NE(page.find("<a href=\"/artiklar/tryggt-umea.html\">"), std::string::npos) << source;
        EXPECT_EQ(main_of(page).find(".gmi\""), std::string::npos) << source;
        EXPECT_NE(page.find("<title>" + html_escape(doc.meta.title) + "</title>"), std::string::npos) << source;
        pages.emplace_back(source.stem().string(), page);
    }
    for (const auto& entry : fs::directory_iterator(fs::path(KAPSEL_SOURCE_DIR) / "tests/fuzz/corpus/html")) {
        PageInfo info;
        info.lang = "sv";
        info.title = "Frö <" + entry.path().filename().string() + ">";
        pages.emplace_back("seed-" + entry.path().stem().string(), render_page(read_file(entry.path()), info, {}));
    }
    pages.emplace_back("redirect", redirect_page("/anteckningar/ny.html?a=1&b=2", "sv", "Flyttad <sida>"));
    pages.emplace_back("every-char", render_page("a\0b\x01\x7F\xC2\x85\xEF\xB7\x90\xF4\x8F\xBF\xBF\xFF\r\n"s, {}, {}));
    EXPECT_TRUE(parse_strictly(pages));
}

}  // namespace
}  // namespace kapsel::web
