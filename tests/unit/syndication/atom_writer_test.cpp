#include <gtest/gtest.h>

#include "syndication/atom_writer.hpp"
#include "gemini/uri.hpp"
#include "syndication/xml_text.hpp"
#include "version.hpp"

namespace kapsel::syndication {
namespace {

FeedInfo feed_info() {
    FeedInfo f;
    f.authority = "kapsel.example,2023";
    f.title = "Tryggt & säkert";
    f.subtitle = "Anteckningar";
    f.author = "Redaktionen";
    f.lang = "sv";
    f.base_url = "gemini://kapsel.example/";
    return f;
}

Entry entry(std::string slug, DateTime published, std::optional<DateTime> updated = std::nullopt) {
    Entry e;
    e.slug = slug;
    e.path = "/anteckningar/" + slug + ".gmi";
    e.title = "Titel " + slug;
    e.published = published;
    e.updated = updated.value_or(published);
    e.summary = "Sammanfattning";
    e.content = "Text";
    e.lang = "sv";
    return e;
}

std::size_t count(const std::string& haystack, const std::string& needle) {
    std::size_t n = 0;
    for (std::size_t pos = haystack.find(needle); pos != std::string::npos; pos = haystack.find(needle, pos + 1)) ++n;
    return n;
}

TEST(XmlText, EscapesEverySpecialCharacter) {
    const std::vector<std::pair<std::string, std::string>> rows{
        {"a & b", "a &amp; b"},
        {"<tag>", "&lt;tag&gt;"},
        {"\"citat\"", "&quot;citat&quot;"},
        {"it's", "it&apos;s"},
        {"&amp;", "&amp;amp;"},
        {"rad\r\nrad", "rad&#13;\nrad"},
        {"tab\there", "tab\there"},
        {"Umeå ”citat” – 🙂", "Umeå ”citat” – 🙂"},
        {"]]>", "]]&gt;"},
    };
    for (const auto& [in, out] : rows) EXPECT_EQ(xml_escape(in), out) << in;
}

TEST(XmlText, RejectsWhatXml10CannotCarry) {
    const std::vector<std::pair<std::string, std::uint32_t>> rows{
        {std::string("\0b", 2), 0x0},
        {"\x01z", 0x1},
        {"\x08", 0x8},
        {"\x0B", 0xB},
        {"\x0C", 0xC},
        {"\x1F", 0x1F},
        {"\xEF\xBF\xBE", 0xFFFE},
        {"\xEF\xBF\xBF", 0xFFFF},
        {"\xC3", 0xFFFFFFFF},      // truncated
        {"\xED\xA0\x80", 0xFFFFFFFF},  // surrogate
        {"\xC0\xAF", 0xFFFFFFFF},  // overlong
    };
    for (const auto& [in, cp] : rows) {
        const auto bad = find_disallowed_xml_char("ok " + in);
        ASSERT_TRUE(bad) << code_point_name(cp);
        EXPECT_EQ(bad->offset, 3u);
        EXPECT_EQ(bad->code_point, cp);
        EXPECT_THROW(xml_escape("ok " + in), std::invalid_argument);
    }
    EXPECT_EQ(find_disallowed_xml_char("\t\n\r \x7F\xC2\x85\xEE\x80\x80\xF0\x9F\x99\x82"), std::nullopt);
    EXPECT_EQ(code_point_name(0x1), "U+0001");
    EXPECT_EQ(code_point_name(0xFFFE), "U+FFFE");
}

TEST(FeedUrls, BaseUrlCarriesThePublicPortOnlyWhenNotDefault) {
    using gemini::absolute_url;
    using gemini::base_url;
    using gemini::encode_path;
    EXPECT_EQ(base_url("kapsel.example", std::nullopt), "gemini://kapsel.example/");
    EXPECT_EQ(base_url("kapsel.example", 1965), "gemini://kapsel.example/");
    EXPECT_EQ(base_url("kapsel.example", 1966), "gemini://kapsel.example:1966/");
    EXPECT_EQ(base_url("::1", 1966), "gemini://[::1]:1966/");
    EXPECT_EQ(absolute_url("gemini://h/", "/a b/å.gmi"), "gemini://h/a%20b/%C3%A5.gmi");
    EXPECT_EQ(absolute_url("gemini://h/", "/"), "gemini://h/");
    EXPECT_EQ(encode_path("/a-b_c.~d/(x);y=z"), "/a-b_c.~d/(x);y=z");
    EXPECT_EQ(encode_path("/a?b#c%"), "/a%3Fb%23c%25");
}

TEST(AtomWriter, WholeDocument) {
    Entry e = entry("tryggt-umea", {2023, 3, 20});
    e.path = "/artiklar/tryggt-umea.gmi";
    e.title = "Satsningar på ett \"tryggt\" & <säkert> Umeå";
    e.authors = {{"Hans Lindberg (S)", "kommunalråd"}, {"Janet Ågren (S)", ""}};
    e.summary = "Lede's";
    e.content = "Rubrik\n\nText > annan text\n";
    const std::string expected = std::string(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
        "<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"sv\">\n"
        "  <id>tag:kapsel.example,2023:feed</id>\n"
        "  <title>Tryggt &amp; säkert</title>\n"
        "  <subtitle>Anteckningar</subtitle>\n"
        "  <updated>2023-03-20T00:00:00Z</updated>\n"
        "  <author>\n"
        "    <name>Redaktionen</name>\n"
        "  </author>\n"
        "  <link rel=\"self\" type=\"application/atom+xml\" href=\"gemini://kapsel.example/atom.xml\"/>\n"
        "  <link rel=\"alternate\" type=\"text/gemini\" href=\"gemini://kapsel.example/\"/>\n"
        "  <generator version=\"") + kapsel::version + "\">kapsel</generator>\n"
        "  <entry>\n"
        "    <id>tag:kapsel.example,2023:tryggt-umea</id>\n"
        "    <title>Satsningar på ett &quot;tryggt&quot; &amp; &lt;säkert&gt; Umeå</title>\n"
        "    <published>2023-03-20T00:00:00Z</published>\n"
        "    <updated>2023-03-20T00:00:00Z</updated>\n"
        "    <author>\n"
        "      <name>Hans Lindberg (S)</name>\n"
        "    </author>\n"
        "    <author>\n"
        "      <name>Janet Ågren (S)</name>\n"
        "    </author>\n"
        "    <summary>Lede&apos;s</summary>\n"
        "    <content type=\"text\">Rubrik\n\nText &gt; annan text\n</content>\n"
        "    <link rel=\"alternate\" type=\"text/gemini\" href=\"gemini://kapsel.example/artiklar/tryggt-umea.gmi\"/>\n"
        "  </entry>\n"
        "</feed>\n";
    EXPECT_EQ(write_atom(feed_info(), {e}), expected);
}

TEST(AtomWriter, NewestFirstUpdatedIsNewestAndLimit) {
    FeedInfo f = feed_info();
    f.max_entries = 3;
    const std::vector<Entry> entries{
        entry("a", {2026, 11, 26}),
        entry("old", {2023, 3, 20}, DateTime{2027, 1, 2, 10, 0, 0, 0, 60}),
        entry("b", {2026, 11, 26}),
        entry("oldest", {2020, 1, 1}),
    };
    const std::string xml = write_atom(f, entries);
    EXPECT_EQ(count(xml, "<entry>"), 3u);
    EXPECT_NE(xml.find("<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"sv\">\n  <id>tag:kapsel.example,2023:feed</id>"),
              std::string::npos);
    EXPECT_NE(xml.find("\n  <updated>2027-01-02T10:00:00+01:00</updated>\n"), std::string::npos);
    const auto pos_old = xml.find(":old</id>"), pos_a = xml.find(":a</id>"), pos_b = xml.find(":b</id>");
    EXPECT_LT(pos_old, pos_a);
    EXPECT_LT(pos_a, pos_b);
    EXPECT_EQ(xml.find(":oldest</id>"), std::string::npos);
    EXPECT_NE(xml.find("<published>2023-03-20T00:00:00Z</published>\n    <updated>2027-01-02T10:00:00+01:00</updated>"),
              std::string::npos);
}

TEST(AtomWriter, IdsSurviveHostAndPortChanges) {
    FeedInfo a = feed_info();
    FeedInfo b = feed_info();
    b.base_url = gemini::base_url("annan.example", 1966);
    const std::string xa = write_atom(a, {entry("x", {2023, 3, 20})});
    const std::string xb = write_atom(b, {entry("x", {2023, 3, 20})});
    EXPECT_NE(xa, xb);
    for (const std::string* xml : {&xa, &xb}) {
        EXPECT_NE(xml->find("<id>tag:kapsel.example,2023:feed</id>"), std::string::npos);
        EXPECT_NE(xml->find("<id>tag:kapsel.example,2023:x</id>"), std::string::npos);
    }
    EXPECT_NE(xb.find("href=\"gemini://annan.example:1966/atom.xml\""), std::string::npos);
    EXPECT_NE(xb.find("href=\"gemini://annan.example:1966/anteckningar/x.gmi\""), std::string::npos);
}

TEST(AtomWriter, EmptyFeedAndOtherLanguageEntries) {
    FeedInfo f = feed_info();
    f.subtitle.clear();
    f.author.clear();
    const std::string empty = write_atom(f, {});
    EXPECT_NE(empty.find("<updated>1970-01-01T00:00:00Z</updated>"), std::string::npos);
    EXPECT_EQ(empty.find("<subtitle>"), std::string::npos);
    EXPECT_NE(empty.find("<name>Tryggt &amp; säkert</name>"), std::string::npos);  // title stands in

    Entry e = entry("en", {2023, 3, 20});
    e.lang = "en";
    EXPECT_NE(write_atom(f, {e}).find("<entry xml:lang=\"en\">"), std::string::npos);
}

TEST(AtomWriter, RefusesDisallowedCharacters) {
    Entry e = entry("x", {2023, 3, 20});
    e.content = "bell\x07";
    EXPECT_THROW(write_atom(feed_info(), {e}), std::invalid_argument);
    FeedInfo f = feed_info();
    f.title = "\x1B[31m";
    EXPECT_THROW(write_atom(f, {}), std::invalid_argument);
}

TEST(XmlText, AttributesKeepTabsAndNewlines) {
    // A parser turns a literal tab or LF in an attribute into a space (XML 1.0 §3.3.3).
    EXPECT_EQ(xml_attribute("a\tb\nc\rd\"e"), "a&#9;b&#10;c&#13;d&quot;e");
    EXPECT_EQ(xml_escape("a\tb\nc"), "a\tb\nc");  // in text they stay as they are
}

}  // namespace
}  // namespace kapsel::syndication
