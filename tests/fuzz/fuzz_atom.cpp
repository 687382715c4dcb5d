// libFuzzer target for the Atom writer: a feed and up to 8 entries built from fuzzed strings
// and valid dates, written, then read back with a strict XML reader of our own
// (xml_reader.hpp) and compared with what was given. Invariants:
// - write_atom rejects (std::invalid_argument) exactly when some text it writes holds invalid
//   UTF-8 or a character XML 1.0 forbids; it never rejects clean text;
// - what it writes is a well-formed XML 1.0 document in UTF-8 (declaration included), with no
//   raw CR: any markup a field could inject ('"', '\'', '<', '&' unescaped) breaks either the
//   document or the read-back below; and, as xml_escape promises text safe in either kind of
//   quotes, no raw '\'' at all, '"' only delimiting attributes and '>' only closing tags;
// - every field reads back exactly: the feed's id, title, subtitle (only when given), author,
//   xml:lang, updated, generator, and the self and alternate links with the hrefs built from
//   the base URL and the percent-encoded paths; for each entry its id, title, published,
//   updated, authors, language (its own xml:lang or the feed's), summary, content and
//   alternate link; no element or attribute beyond those;
// - the entries are the `max_entries` newest, newest first (by updated, then published, in
//   UTC, then by path), computed here independently of the writer's own sort.
//
// Attributes: XML normalises a literal tab or LF in an attribute value to a space, so the
// writer must write them as character references (xml_attribute); this target found that it
// once did not. Every text is fed as fuzzed.

#include <fuzzer/FuzzedDataProvider.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "gemini/uri.hpp"
#include "syndication/atom_writer.hpp"
#include "syndication/entry.hpp"
#include "percent_encoding.hpp"
#include "version.hpp"
#include "xml_reader.hpp"

namespace {

using namespace kapsel::syndication;
using kapsel::fuzz::XmlElement;

// Aborts, naming the line, when an invariant does not hold (__builtin_LINE: clang 14 has no
// std::source_location yet, and fuzz targets are built with clang only).
void check(bool condition, unsigned line = __builtin_LINE()) {
    if (condition) return;
    std::fprintf(stderr, "fuzz_atom.cpp:%u: invariant broken\n", line);
    std::abort();
}

DateTime date(FuzzedDataProvider& in) {
    DateTime dt;
    dt.year = in.ConsumeIntegralInRange(0, 9999);
    dt.month = in.ConsumeIntegralInRange(1, 12);
    dt.day = in.ConsumeIntegralInRange(1, 31);
    if (validate(dt)) dt.day = 28;
    if (in.ConsumeBool()) {
        dt.hour = in.ConsumeIntegralInRange(0, 23);
        dt.minute = in.ConsumeIntegralInRange(0, 59);
        dt.second = in.ConsumeIntegralInRange(0, 59);
        dt.nanosecond = in.ConsumeIntegralInRange<std::uint32_t>(0, 999'999'999);
        dt.offset_minutes = in.ConsumeIntegralInRange(-24 * 60 + 1, 24 * 60 - 1);
    }
    check(!validate(dt));
    return dt;
}

// Text destined for an attribute value (see the top of this file): fed as it comes.
std::string attribute_text(std::string s) { return s; }

bool clean(std::string_view s) { return kapsel::fuzz::is_xml_text(s); }

// --- What the writer promises, computed here without its code.

// A moment in UTC: seconds since 1970 (proleptic Gregorian) and the fraction.
std::pair<std::int64_t, std::uint32_t> utc(const DateTime& dt) {
    // Days from civil (Howard Hinnant's algorithm).
    std::int64_t y = dt.year - (dt.month <= 2 ? 1 : 0);
    const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
    const std::int64_t yoe = y - era * 400;
    const std::int64_t m = dt.month;
    const std::int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + dt.day - 1;
    const std::int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    const std::int64_t days = era * 146097 + doe - 719468;
    return {days * 86400 + dt.hour * 3600 + dt.minute * 60 + dt.second - dt.offset_minutes * 60, dt.nanosecond};
}

// Newest updated first, then newest published, then by path; stable for full ties.
std::vector<Entry> expected_entries(std::vector<Entry> entries, std::size_t max_entries) {
    std::stable_sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
        return std::make_tuple(utc(b.updated), utc(b.published), a.path) <
               std::make_tuple(utc(a.updated), utc(a.published), b.path);
    });
    if (entries.size() > max_entries) entries.resize(max_entries);
    return entries;
}

// The link the writer promises: the base URL (without its '/' when the path brings one)
// and the path percent-encoded.
std::string expected_href(std::string_view base, std::string_view path) {
    std::string out(base);
    if (!out.empty() && out.back() == '/' && !path.empty() && path.front() == '/') out.pop_back();
    return out + kapsel::fuzz::percent_encode_path(path);
}

// An RFC 3339 date-time as the writer writes it, read back into its parts.
std::optional<DateTime> parse_date_time(std::string_view s) {
    auto digits = [&](std::size_t at, std::size_t n) -> std::optional<int> {
        if (at + n > s.size()) return std::nullopt;
        int v = 0;
        for (std::size_t i = at; i < at + n; ++i) {
            if (s[i] < '0' || s[i] > '9') return std::nullopt;
            v = v * 10 + (s[i] - '0');
        }
        return v;
    };
    if (s.size() < 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':')
        return std::nullopt;
    const auto year = digits(0, 4), month = digits(5, 2), day = digits(8, 2);
    const auto hour = digits(11, 2), minute = digits(14, 2), second = digits(17, 2);
    if (!year || !month || !day || !hour || !minute || !second) return std::nullopt;
    DateTime dt;
    dt.year = *year;
    dt.month = *month;
    dt.day = *day;
    dt.hour = *hour;
    dt.minute = *minute;
    dt.second = *second;
    std::size_t i = 19;
    if (s[i] == '.') {
        ++i;
        std::uint32_t scale = 100'000'000;
        const std::size_t start = i;
        while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
            if (scale == 0) return std::nullopt;  // more than nine digits
            dt.nanosecond += static_cast<std::uint32_t>(s[i] - '0') * scale;
            scale /= 10;
            ++i;
        }
        if (i == start || s[i - 1] == '0') return std::nullopt;  // no trailing zeros
    }
    if (i < s.size() && s[i] == 'Z') {
        ++i;
    } else if (i < s.size() && (s[i] == '+' || s[i] == '-')) {
        const int sign = s[i] == '-' ? -1 : 1;
        const auto oh = digits(i + 1, 2), om = digits(i + 4, 2);
        if (!oh || !om || i + 3 >= s.size() || s[i + 3] != ':' || *om > 59) return std::nullopt;
        dt.offset_minutes = sign * (*oh * 60 + *om);
        if (dt.offset_minutes == 0) return std::nullopt;  // UTC is written 'Z'
        i += 6;
    } else {
        return std::nullopt;
    }
    if (i != s.size() || validate(dt)) return std::nullopt;
    return dt;
}

// --- Reading back.

// The text of the one child named `name`, which has no attributes and holds text only.
const std::string& leaf(const XmlElement& parent, std::string_view name) {
    const auto found = parent.children_named(name);
    check(found.size() == 1);
    check(found[0]->attributes.empty() && found[0]->children.empty());
    return found[0]->text;
}

std::size_t attributes(const XmlElement& e) {
    std::size_t n = e.attributes.size();
    for (const auto& c : e.children) n += attributes(c);
    return n;
}

bool only_space(std::string_view s) { return s.find_first_not_of(" \n") == std::string_view::npos; }

// The element has exactly these attributes (any order) and, if `children` is given, exactly
// these children in this order, with white space only between them.
void check_shape(const XmlElement& e, const std::vector<std::string_view>& attributes,
                 const std::vector<std::string_view>& children) {
    check(e.attributes.size() == attributes.size());
    for (const auto name : attributes) check(e.attribute(name) != nullptr);
    check(e.children.size() == children.size());
    for (std::size_t i = 0; i < children.size(); ++i) check(e.children[i].name == children[i]);
    check(only_space(e.text));
}

void check_leaf_shape(const XmlElement& e, const std::vector<std::string_view>& attributes) {
    check(e.attributes.size() == attributes.size());
    for (const auto name : attributes) check(e.attribute(name) != nullptr);
    check(e.children.empty());
}

void check_author(const XmlElement& author, std::string_view name) {
    check_shape(author, {}, {"name"});
    check(leaf(author, "name") == name);
}

void check_link(const XmlElement& link, std::string_view rel, std::string_view type, const std::string& href) {
    check_leaf_shape(link, {"rel", "type", "href"});
    check(link.text.empty());
    check(*link.attribute("rel") == rel);
    check(*link.attribute("type") == type);
    check(*link.attribute("href") == href);
}

void check_date(const XmlElement& parent, std::string_view name, const DateTime& expected) {
    const auto dt = parse_date_time(leaf(parent, name));
    check(dt.has_value() && *dt == expected);
}

void check_entry(const XmlElement& e, const Entry& expected, const FeedInfo& feed) {
    std::vector<std::string_view> children{"id", "title", "published", "updated"};
    for (std::size_t i = 0; i < expected.authors.size(); ++i) children.push_back("author");
    for (const char* name : {"summary", "content", "link"}) children.push_back(name);
    const bool own_lang = !expected.lang.empty() && expected.lang != feed.lang;
    check_shape(e, own_lang ? std::vector<std::string_view>{"xml:lang"} : std::vector<std::string_view>{}, children);
    // Its language, own or inherited from the feed (none when neither has one).
    const std::string* lang = e.attribute("xml:lang");
    check((lang ? *lang : feed.lang) == (expected.lang.empty() ? feed.lang : expected.lang));

    check(leaf(e, "id") == "tag:" + feed.authority + ":" + expected.slug);
    check(leaf(e, "title") == expected.title);
    check_date(e, "published", expected.published);
    check_date(e, "updated", expected.updated);
    const auto authors = e.children_named("author");
    for (std::size_t i = 0; i < authors.size(); ++i) check_author(*authors[i], expected.authors[i].name);
    check(leaf(e, "summary") == expected.summary);
    const XmlElement& content = *e.children_named("content")[0];
    check_leaf_shape(content, {"type"});
    check(*content.attribute("type") == "text");
    check(content.text == expected.content);
    check_link(*e.children_named("link")[0], "alternate", "text/gemini", expected_href(feed.base_url, expected.path));
}

void check_feed(const XmlElement& root, const FeedInfo& feed, const std::vector<Entry>& kept) {
    check(root.name == "feed");
    std::vector<std::string_view> children{"id", "title"};
    if (!feed.subtitle.empty()) children.push_back("subtitle");
    for (const char* name : {"updated", "author", "link", "link", "generator"}) children.push_back(name);
    for (std::size_t i = 0; i < kept.size(); ++i) children.push_back("entry");
    check_shape(root, feed.lang.empty() ? std::vector<std::string_view>{"xmlns"}
                                        : std::vector<std::string_view>{"xmlns", "xml:lang"},
                children);
    check(*root.attribute("xmlns") == "http://www.w3.org/2005/Atom");
    if (!feed.lang.empty()) check(*root.attribute("xml:lang") == feed.lang);

    check(leaf(root, "id") == "tag:" + feed.authority + ":feed");
    check(leaf(root, "title") == feed.title);
    if (!feed.subtitle.empty()) {
        check(leaf(root, "subtitle") == feed.subtitle);
    }
    if (kept.empty()) check(leaf(root, "updated") == "1970-01-01T00:00:00Z");
    else check_date(root, "updated", kept.front().updated);
    check_author(*root.children_named("author")[0], feed.author.empty() ? feed.title : feed.author);
    const auto links = root.children_named("link");
    check_link(*links[0], "self", "application/atom+xml", expected_href(feed.base_url, feed.self_path));
    check_link(*links[1], "alternate", "text/gemini", expected_href(feed.base_url, feed.index_path));
    const XmlElement& generator = *root.children_named("generator")[0];
    check_leaf_shape(generator, {"version"});
    check(*generator.attribute("version") == kapsel::version && generator.text == "kapsel");

    const auto entries = root.children_named("entry");
    for (std::size_t i = 0; i < kept.size(); ++i) check_entry(*entries[i], kept[i], feed);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    FuzzedDataProvider in(data, size);
    FeedInfo feed;
    feed.authority = in.ConsumeRandomLengthString(64);
    feed.title = in.ConsumeRandomLengthString(64);
    feed.subtitle = in.ConsumeRandomLengthString(64);
    feed.author = in.ConsumeRandomLengthString(64);
    feed.lang = attribute_text(in.ConsumeBool() ? "sv" : in.ConsumeRandomLengthString(16));
    feed.base_url = attribute_text(in.ConsumeBool() ? "gemini://kapsel.example/" : in.ConsumeRandomLengthString(32));
    feed.max_entries = in.ConsumeIntegralInRange<std::size_t>(0, 8);

    std::vector<Entry> entries(in.ConsumeIntegralInRange<std::size_t>(0, 8));
    for (Entry& e : entries) {
        e.path = in.ConsumeRandomLengthString(32);
        e.slug = in.ConsumeRandomLengthString(32);
        e.title = in.ConsumeRandomLengthString(64);
        e.authors.resize(in.ConsumeIntegralInRange<std::size_t>(0, 2));
        for (Author& a : e.authors) a.name = in.ConsumeRandomLengthString(32);
        e.published = date(in);
        e.updated = in.ConsumeBool() ? e.published : date(in);
        e.summary = in.ConsumeRandomLengthString(128);
        e.content = in.ConsumeRandomLengthString(512);
        e.lang = attribute_text(in.ConsumeBool() ? feed.lang : in.ConsumeRandomLengthString(16));
    }
    // Drawn last, so older seeds keep their meaning: other paths, and base URLs as the capsule
    // builds them (an IPv6 host is bracketed, a port other than 1965 is written).
    if (in.ConsumeBool()) feed.self_path = in.ConsumeRandomLengthString(16);
    if (in.ConsumeBool()) feed.index_path = in.ConsumeRandomLengthString(16);
    if (in.ConsumeBool()) {
        const std::string host = attribute_text(in.ConsumeRandomLengthString(24));
        const auto port = in.ConsumeBool() ? std::optional<std::uint16_t>(in.ConsumeIntegral<std::uint16_t>())
                                           : std::nullopt;
        feed.base_url = kapsel::gemini::base_url(host, port);
    }

    // What the writer keeps, and so which texts it writes (paths are percent-encoded).
    const std::vector<Entry> kept = expected_entries(entries, feed.max_entries);
    bool all_clean = clean(feed.authority) && clean(feed.title) && clean(feed.subtitle) &&
                     clean(feed.author.empty() ? feed.title : feed.author) && clean(feed.lang) &&
                     clean(feed.base_url);
    for (const Entry& e : kept) {
        all_clean = all_clean && clean(e.slug) && clean(e.title) && clean(e.summary) && clean(e.content);
        if (!e.lang.empty() && e.lang != feed.lang) all_clean = all_clean && clean(e.lang);
        for (const Author& a : e.authors) all_clean = all_clean && clean(a.name);
    }

    std::string xml;
    try {
        xml = write_atom(feed, entries);
    } catch (const std::invalid_argument&) {
        check(!all_clean);
        return 0;
    }
    check(all_clean);
    check(xml.find('\r') == std::string::npos);  // a raw CR would read back as LF

    const auto document = kapsel::fuzz::read_xml(xml);
    check(document.has_value());
    check(document->has_declaration && document->version == "1.0" && document->encoding == "utf-8");
    check_feed(document->root, feed, kept);

    // xml_escape promises text safe in either kind of attribute quotes: so no raw '\'' at
    // all, '"' only around the attributes (and the declaration's two), '>' only ending tags.
    check(std::count(xml.begin(), xml.end(), '\'') == 0);
    check(static_cast<std::size_t>(std::count(xml.begin(), xml.end(), '"')) == 4 + 2 * attributes(document->root));
    check(std::count(xml.begin(), xml.end(), '>') == std::count(xml.begin(), xml.end(), '<'));
    return 0;
}
