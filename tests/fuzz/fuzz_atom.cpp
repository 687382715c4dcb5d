// libFuzzer target for the Atom writer: a feed and up to 8 entries built from fuzzed strings
// and valid dates. Invariants:
// - write_atom rejects (std::invalid_argument) exactly when some text it writes holds invalid
//   UTF-8 or a character XML 1.0 forbids; it never rejects clean text;
// - what it writes is valid UTF-8 with no character XML 1.0 forbids, no raw CR and no "]]>";
// - no text can add markup: the number of '<' is exactly what the writer's own elements use,
//   every '&' starts one of the writer's entities, and each kept entry's title and content
//   read back (unescaped) to what was given, in newest-first order.

#include <fuzzer/FuzzedDataProvider.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "gemini/utf8.hpp"
#include "syndication/atom_writer.hpp"
#include "syndication/entry.hpp"
#include "syndication/xml_text.hpp"

namespace {

using namespace kapsel::syndication;

void check(bool condition) {
    if (!condition) std::abort();
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

bool clean(std::string_view s) { return !find_disallowed_xml_char(s); }

std::size_t count(std::string_view haystack, std::string_view needle) {
    std::size_t n = 0;
    for (std::size_t pos = haystack.find(needle); pos != std::string_view::npos; pos = haystack.find(needle, pos + 1))
        ++n;
    return n;
}

std::string unescape(std::string_view s) {
    static constexpr std::pair<std::string_view, char> entities[] = {
        {"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'}, {"&apos;", '\''}, {"&#13;", '\r'}};
    std::string out;
    for (std::size_t i = 0; i < s.size();) {
        bool matched = false;
        if (s[i] == '&') {
            for (const auto& [entity, c] : entities) {
                if (s.substr(i).starts_with(entity)) {
                    out += c;
                    i += entity.size();
                    matched = true;
                    break;
                }
            }
            check(matched);  // every '&' the writer emits starts one of its entities
        } else {
            out += s[i++];
        }
    }
    return out;
}

// The text of the n-th `open` … `close` element in `xml`.
std::string_view nth_element(std::string_view xml, std::string_view open, std::string_view close, std::size_t n) {
    std::size_t pos = 0;
    for (std::size_t i = 0;; ++i) {
        pos = xml.find(open, pos);
        check(pos != std::string_view::npos);
        pos += open.size();
        if (i == n) break;
    }
    const std::size_t end = xml.find(close, pos);
    check(end != std::string_view::npos);
    return xml.substr(pos, end - pos);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    FuzzedDataProvider in(data, size);
    FeedInfo feed;
    feed.authority = in.ConsumeRandomLengthString(64);
    feed.title = in.ConsumeRandomLengthString(64);
    feed.subtitle = in.ConsumeRandomLengthString(64);
    feed.author = in.ConsumeRandomLengthString(64);
    feed.lang = in.ConsumeBool() ? "sv" : in.ConsumeRandomLengthString(16);
    feed.base_url = in.ConsumeBool() ? "gemini://kapsel.example/" : in.ConsumeRandomLengthString(32);
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
        e.lang = in.ConsumeBool() ? feed.lang : in.ConsumeRandomLengthString(16);
    }

    // What the writer will keep, and so which texts it writes (paths are percent-encoded).
    std::vector<Entry> kept = entries;
    sort_newest_first(kept);
    if (kept.size() > feed.max_entries) kept.resize(feed.max_entries);
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

    check(kapsel::gemini::is_valid_utf8(xml));
    check(!find_disallowed_xml_char(xml));
    check(xml.find('\r') == std::string::npos);
    check(xml.find("]]>") == std::string::npos);  // not allowed in character data

    std::size_t expected_tags = 17 + (feed.subtitle.empty() ? 0 : 2);
    for (const Entry& e : kept) expected_tags += 15 + 4 * e.authors.size();
    check(static_cast<std::size_t>(std::count(xml.begin(), xml.end(), '<')) == expected_tags);
    check(count(xml, "<entry") == kept.size() && count(xml, "</entry>") == kept.size());
    unescape(xml);  // checks every '&'

    check(unescape(nth_element(xml, "<title>", "</title>", 0)) == feed.title);
    for (std::size_t i = 0; i < kept.size(); ++i) {
        check(unescape(nth_element(xml, "<title>", "</title>", i + 1)) == kept[i].title);
        check(unescape(nth_element(xml, "<content type=\"text\">", "</content>", i)) == kept[i].content);
    }
    return 0;
}
