// libFuzzer target for the Atom writer: a feed and up to 8 entries built from fuzzed strings
// and valid dates, written, then read back with a strict XML reader of our own
// (xml_reader.hpp) and compared with what was given; the subscription document (write_atom)
// and, for the same entries, every RFC 5005 archive document (archive_months, write_archive).
// Invariants:
// - write_atom and write_archive reject (std::invalid_argument) exactly when some text the
//   document writes holds invalid UTF-8 or a character XML 1.0 forbids; never clean text;
// - what they write is a well-formed XML 1.0 document in UTF-8 (declaration included), with no
//   raw CR: any markup a field could inject ('"', '\'', '<', '&' unescaped) breaks either the
//   document or the read-back below; and, as xml_escape promises text safe in either kind of
//   quotes, no raw '\'' at all, '"' only delimiting attributes and '>' only closing tags;
//   every prefixed name's prefix is declared (Namespaces in XML 1.0: "fh" on the root, bound
//   to http://purl.org/syndication/history/1.0, exactly when the document has RFC 5005 parts:
//   is_archive, prev_archive or next_archive);
// - every field reads back exactly: the feed's id (tag:AUTHORITY:feed, in every document: one
//   logical feed), title, subtitle (only when given), author, xml:lang, updated; then its
//   links, in this order and no others (OWN is mirror_url when in_mirror, else base_url; every
//   href is the base without its '/' when the path brings one, and the path percent-encoded):
//     self          application/atom+xml  OWN + self_path
//     alternate     text/gemini           base_url + index_path
//     alternate     text/html             mirror_url + index_path, .gmi → .html  (with a mirror_url)
//     <fh:archive/> (empty), then
//     current       application/atom+xml  OWN + "/atom.xml"                      (when is_archive)
//     prev-archive  application/atom+xml  OWN + prev_archive                     (when given)
//     next-archive  application/atom+xml  OWN + next_archive                     (when given)
//   then the generator; and for each entry its id (tag:AUTHORITY: and the pinned id, or the slug when it has none),
//   title, published, updated, authors, language (its own xml:lang or the feed's), summary,
//   content, its alternate text/gemini link (base_url + path) and, with a mirror_url, its
//   alternate text/html one (mirror_url + path with .gmi → .html); no element or attribute
//   beyond those;
// - the subscription's entries are the `max_entries` newest, newest first (by updated, then
//   published, in UTC, then by path), computed here independently of the writer's own sort;
// - archive_months puts every entry in exactly one month; a month is "YYYY-MM", the year and
//   month of its entries' publication in UTC, computed here from the authored fields alone
//   (not from the writer's date code); months are strictly descending (newest first) and
//   none is empty; within a month the entries are newest first as above, stable for ties;
//   archive_path(month) is "/atom/" + month + ".xml";
// - write_archive, given a month's entries in input order and linked as the capsule links
//   them (self: its own path; prev-archive: the next older month; next-archive: the next
//   newer one), writes an archive document (is_archive whatever the FeedInfo said) holding
//   all of that month's entries, newest first, however small max_entries is.
//
// Attributes: XML normalises a literal tab or LF in an attribute value to a space, so the
// writer must write them as character references (xml_attribute); this target found that it
// once did not. Every text is fed as fuzzed. The fields of issue 11 (mirror, archives,
// pinned ids) are drawn after all others, so the older seeds keep their meaning.

#include <fuzzer/FuzzedDataProvider.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <limits>
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
        // The loader refuses a moment whose UTC year is outside 0000–9999 (9999-12-31T23:30-01:00):
        // such a date never reaches the writer.
        if (const int utc_year = to_utc(dt).year; utc_year < 0 || utc_year > 9999) dt.offset_minutes = 0;
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

// A capsule page's address in the mirror, as atom_writer.hpp and the mirror's file names have
// it: "/a/b.gmi" (".GMI", any case, as the capsule serves it) → "/a/b.html"; everything else
// ("/", "/dir/", "/a.txt") as it is.
std::string mirror_page(std::string_view path) {
    std::string out(path);
    auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
    if (out.size() >= 4 && out[out.size() - 4] == '.' && lower(out[out.size() - 3]) == 'g' &&
        lower(out[out.size() - 2]) == 'm' && lower(out[out.size() - 1]) == 'i')
        out.replace(out.size() - 4, 4, ".html");
    return out;
}

bool leap_year(int y) { return y % 4 == 0 && (y % 100 != 0 || y % 400 == 0); }

int month_days(int y, int m) {
    static constexpr int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && leap_year(y) ? 29 : days[m - 1];
}

// The year and month of a moment in UTC, from the authored fields alone: an offset is less
// than a day, so the moment moves at most one day, and only away from day 1 (backwards) or
// the month's last day (forwards) can that change the month. Seconds never matter: offsets
// are whole minutes.
std::pair<int, int> utc_month(const DateTime& dt) {
    const int minutes = dt.hour * 60 + dt.minute - dt.offset_minutes;
    int y = dt.year, m = dt.month;
    if (minutes < 0 && dt.day == 1) {
        --m;
        if (m == 0) {
            m = 12;
            --y;
        }
    } else if (minutes >= 24 * 60 && dt.day == month_days(dt.year, dt.month)) {
        ++m;
        if (m == 13) {
            m = 1;
            ++y;
        }
    }
    return {y, m};
}

// "YYYY-MM", four digits and two, read back; nullopt for anything else.
std::optional<std::pair<int, int>> parse_month(std::string_view s) {
    if (s.size() != 7 || s[4] != '-') return std::nullopt;
    const auto number = [&](std::size_t at, std::size_t n) {
        int v = 0;
        for (std::size_t i = at; i < at + n; ++i) {
            if (s[i] < '0' || s[i] > '9') return -1;
            v = v * 10 + (s[i] - '0');
        }
        return v;
    };
    const int y = number(0, 4), m = number(5, 2);
    if (y < 0 || m < 1 || m > 12) return std::nullopt;
    return std::pair{y, m};
}

bool same_entry(const Entry& a, const Entry& b) {
    return a.path == b.path && a.slug == b.slug && a.id == b.id && a.title == b.title && a.authors == b.authors &&
           a.published == b.published && a.updated == b.updated && a.summary == b.summary &&
           a.content == b.content && a.lang == b.lang;
}

// The specific part of an entry's tag: URI: its pinned id, else its slug.
const std::string& entry_id(const Entry& e) { return e.id.empty() ? e.slug : e.id; }

// Whether every text a document with these entries writes is one XML can carry: the writer
// must throw exactly when one is not (paths are percent-encoded, so they always are).
bool document_clean(const FeedInfo& feed, const std::vector<Entry>& written) {
    bool ok = clean(feed.authority) && clean(feed.title) && clean(feed.subtitle) &&
              clean(feed.author.empty() ? feed.title : feed.author) && clean(feed.lang) && clean(feed.base_url) &&
              clean(feed.mirror_url);
    for (const Entry& e : written) {
        ok = ok && clean(entry_id(e)) && clean(e.title) && clean(e.summary) && clean(e.content);
        if (!e.lang.empty() && e.lang != feed.lang) ok = ok && clean(e.lang);
        for (const Author& a : e.authors) ok = ok && clean(a.name);
    }
    return ok;
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
    if (!feed.mirror_url.empty()) children.push_back("link");
    const bool own_lang = !expected.lang.empty() && expected.lang != feed.lang;
    check_shape(e, own_lang ? std::vector<std::string_view>{"xml:lang"} : std::vector<std::string_view>{}, children);
    // Its language, own or inherited from the feed (none when neither has one).
    const std::string* lang = e.attribute("xml:lang");
    check((lang ? *lang : feed.lang) == (expected.lang.empty() ? feed.lang : expected.lang));

    check(leaf(e, "id") == "tag:" + feed.authority + ":" + entry_id(expected));
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
    const auto links = e.children_named("link");
    check_link(*links[0], "alternate", "text/gemini", expected_href(feed.base_url, expected.path));
    if (!feed.mirror_url.empty())
        check_link(*links[1], "alternate", "text/html", expected_href(feed.mirror_url, mirror_page(expected.path)));
}

constexpr std::string_view history_namespace = "http://purl.org/syndication/history/1.0";

void check_feed(const XmlElement& root, const FeedInfo& feed, const std::vector<Entry>& kept) {
    check(root.name == "feed");
    const bool history = feed.is_archive || !feed.prev_archive.empty() || !feed.next_archive.empty();
    const bool mirror = !feed.mirror_url.empty();
    const std::string& own_base = feed.in_mirror ? feed.mirror_url : feed.base_url;
    std::vector<std::string_view> children{"id", "title"};
    if (!feed.subtitle.empty()) children.push_back("subtitle");
    for (const char* name : {"updated", "author", "link", "link"}) children.push_back(name);
    if (mirror) children.push_back("link");
    if (feed.is_archive) children.insert(children.end(), {"fh:archive", "link"});
    if (!feed.prev_archive.empty()) children.push_back("link");
    if (!feed.next_archive.empty()) children.push_back("link");
    children.push_back("generator");
    for (std::size_t i = 0; i < kept.size(); ++i) children.push_back("entry");
    std::vector<std::string_view> root_attributes{"xmlns"};
    if (history) root_attributes.push_back("xmlns:fh");
    if (!feed.lang.empty()) root_attributes.push_back("xml:lang");
    check_shape(root, root_attributes, children);
    check(*root.attribute("xmlns") == "http://www.w3.org/2005/Atom");
    if (history) check(*root.attribute("xmlns:fh") == history_namespace);
    if (!feed.lang.empty()) check(*root.attribute("xml:lang") == feed.lang);

    check(leaf(root, "id") == "tag:" + feed.authority + ":feed");
    check(leaf(root, "title") == feed.title);
    if (!feed.subtitle.empty()) {
        check(leaf(root, "subtitle") == feed.subtitle);
    }
    if (kept.empty()) check(leaf(root, "updated") == "1970-01-01T00:00:00Z");
    else check_date(root, "updated", kept.front().updated);
    check_author(*root.children_named("author")[0], feed.author.empty() ? feed.title : feed.author);
    // The links in the order check_shape has seen them in (see the top of this file).
    const auto links = root.children_named("link");
    std::size_t l = 0;
    check_link(*links[l++], "self", "application/atom+xml", expected_href(own_base, feed.self_path));
    check_link(*links[l++], "alternate", "text/gemini", expected_href(feed.base_url, feed.index_path));
    if (mirror)
        check_link(*links[l++], "alternate", "text/html", expected_href(feed.mirror_url, mirror_page(feed.index_path)));
    if (feed.is_archive) {
        const XmlElement& archive = *root.children_named("fh:archive")[0];
        check_leaf_shape(archive, {});
        check(archive.text.empty());
        check_link(*links[l++], "current", "application/atom+xml", expected_href(own_base, "/atom.xml"));
    }
    if (!feed.prev_archive.empty())
        check_link(*links[l++], "prev-archive", "application/atom+xml", expected_href(own_base, feed.prev_archive));
    if (!feed.next_archive.empty())
        check_link(*links[l++], "next-archive", "application/atom+xml", expected_href(own_base, feed.next_archive));
    check(l == links.size());
    const XmlElement& generator = *root.children_named("generator")[0];
    check_leaf_shape(generator, {"version"});
    check(*generator.attribute("version") == kapsel::version && generator.text == "kapsel");

    const auto entries = root.children_named("entry");
    for (std::size_t i = 0; i < kept.size(); ++i) check_entry(*entries[i], kept[i], feed);
}

// A QName's prefix, "" for none; nullopt when the name is not a QName (Namespaces in XML 1.0
// §4: at most one ':', with a non-empty part on either side).
std::optional<std::string_view> prefix_of(std::string_view name) {
    const auto colon = name.find(':');
    if (colon == std::string_view::npos) return std::string_view();
    if (colon == 0 || colon + 1 == name.size() || name.find(':', colon + 1) != std::string_view::npos)
        return std::nullopt;
    return name.substr(0, colon);
}

// Namespace constraint "Prefix Declared" (§5): each prefixed element and attribute name uses a
// prefix declared on it or an ancestor; "xml" is bound by definition, "xmlns" declares.
void check_namespaces(const XmlElement& e, std::vector<std::string_view> declared) {
    for (const auto& a : e.attributes)
        if (a.name.starts_with("xmlns:")) declared.push_back(std::string_view(a.name).substr(6));
    const auto is_declared = [&](std::string_view p) {
        return std::find(declared.begin(), declared.end(), p) != declared.end();
    };
    const auto element_prefix = prefix_of(e.name);
    check(element_prefix && (element_prefix->empty() || is_declared(*element_prefix)));
    for (const auto& a : e.attributes) {
        const auto p = prefix_of(a.name);
        check(p && (p->empty() || *p == "xml" || *p == "xmlns" || is_declared(*p)));
    }
    for (const auto& c : e.children) check_namespaces(c, declared);
}

// One document the writer wrote for `feed` with `kept`, read back strictly and compared.
void check_document(const std::string& xml, const FeedInfo& feed, const std::vector<Entry>& kept) {
    check(xml.find('\r') == std::string::npos);  // a raw CR would read back as LF

    const auto document = kapsel::fuzz::read_xml(xml);
    check(document.has_value());
    check(document->has_declaration && document->version == "1.0" && document->encoding == "utf-8");
    check_feed(document->root, feed, kept);
    check_namespaces(document->root, {});

    // xml_escape promises text safe in either kind of attribute quotes: so no raw '\'' at
    // all, '"' only around the attributes (and the declaration's two), '>' only ending tags.
    check(std::count(xml.begin(), xml.end(), '\'') == 0);
    check(static_cast<std::size_t>(std::count(xml.begin(), xml.end(), '"')) == 4 + 2 * attributes(document->root));
    check(std::count(xml.begin(), xml.end(), '>') == std::count(xml.begin(), xml.end(), '<'));
}

// The subscription document.
void check_subscription(const FeedInfo& feed, const std::vector<Entry>& entries) {
    // What the writer keeps, and so which texts it writes.
    const std::vector<Entry> kept = expected_entries(entries, feed.max_entries);
    const bool all_clean = document_clean(feed, kept);
    std::string xml;
    try {
        xml = write_atom(feed, entries);
    } catch (const std::invalid_argument&) {
        check(!all_clean);
        return;
    }
    check(all_clean);
    check_document(xml, feed, kept);
}

// The months and their archive documents.
void check_archives(const FeedInfo& feed, const std::vector<Entry>& entries) {
    const std::vector<ArchiveMonth> months = archive_months(entries);

    // Every entry in exactly one month: as many in all months as given, and each as often.
    std::size_t total = 0;
    for (const ArchiveMonth& m : months) total += m.entries.size();
    check(total == entries.size());
    for (const Entry& e : entries) {
        const auto same = [&](const Entry& other) { return same_entry(e, other); };
        std::size_t out = 0;
        for (const ArchiveMonth& m : months) out += static_cast<std::size_t>(std::count_if(m.entries.begin(), m.entries.end(), same));
        check(out == static_cast<std::size_t>(std::count_if(entries.begin(), entries.end(), same)));
    }

    std::optional<std::pair<int, int>> newer;
    for (std::size_t i = 0; i < months.size(); ++i) {
        const ArchiveMonth& m = months[i];
        const auto month = parse_month(m.month);
        check(month.has_value());                   // "YYYY-MM"
        check(!newer || *month < *newer);           // strictly descending
        newer = month;
        check(!m.entries.empty());
        for (const Entry& e : m.entries) check(utc_month(e.published) == *month);
        // Newest first, as sorted here: from the given order, so ties stay as given.
        std::vector<Entry> given;
        for (const Entry& e : entries)
            if (utc_month(e.published) == *month) given.push_back(e);
        const std::vector<Entry> expected = expected_entries(given, std::numeric_limits<std::size_t>::max());
        check(m.entries.size() == expected.size());
        for (std::size_t k = 0; k < expected.size(); ++k) check(same_entry(m.entries[k], expected[k]));
        check(archive_path(m.month) == "/atom/" + m.month + ".xml");

        // Its document, linked as the capsule links them; is_archive stays as drawn, for
        // write_archive to set.
        FeedInfo archive = feed;
        archive.self_path = archive_path(m.month);
        archive.prev_archive = i + 1 < months.size() ? archive_path(months[i + 1].month) : "";
        archive.next_archive = i > 0 ? archive_path(months[i - 1].month) : "";
        FeedInfo promised = archive;
        promised.is_archive = true;
        const bool all_clean = document_clean(promised, expected);
        std::string xml;
        try {
            xml = write_archive(archive, given);
        } catch (const std::invalid_argument&) {
            check(!all_clean);
            continue;
        }
        check(all_clean);
        check_document(xml, promised, expected);  // all of them, whatever max_entries says
    }
}

struct Drawn {
    FeedInfo feed;
    std::vector<Entry> entries;
};

Drawn draw(FuzzedDataProvider& in) {
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

    // Drawn after all of those (issue 11): the web mirror and which copy this is, RFC 5005
    // links, pinned entry ids, and entries moved into the first one's month, so that months
    // hold several entries and sort among themselves.
    if (in.ConsumeBool())
        feed.mirror_url = attribute_text(in.ConsumeBool() ? "https://kapsel.example/" : in.ConsumeRandomLengthString(32));
    feed.in_mirror = in.ConsumeBool();
    if (in.ConsumeBool()) feed.prev_archive = in.ConsumeBool() ? "/atom/2023-02.xml" : in.ConsumeRandomLengthString(16);
    if (in.ConsumeBool()) feed.next_archive = in.ConsumeBool() ? "/atom/2023-04.xml" : in.ConsumeRandomLengthString(16);
    feed.is_archive = in.ConsumeBool();
    for (Entry& e : entries)
        if (in.ConsumeBool()) e.id = in.ConsumeRandomLengthString(32);
    for (std::size_t i = 1; i < entries.size(); ++i) {
        if (!in.ConsumeBool()) continue;
        Entry& e = entries[i];
        const bool updated_too = e.updated == e.published;
        e.published.year = entries[0].published.year;
        e.published.month = entries[0].published.month;
        if (validate(e.published)) e.published.day = 28;  // 31 April, 29 February
        if (updated_too) e.updated = e.published;
        check(!validate(e.published));
    }

    return {feed, entries};
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    FuzzedDataProvider in(data, size);
    const Drawn drawn = draw(in);
    check_subscription(drawn.feed, drawn.entries);
    check_archives(drawn.feed, drawn.entries);
    return 0;
}
