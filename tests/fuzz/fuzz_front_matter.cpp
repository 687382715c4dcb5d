// libFuzzer target for front matter (parse_document), followed, as the loader does, by
// parse_plain_text on the body. Invariants:
// - any bytes either parse or raise DocumentError, with a line inside the input
//   (1 ≤ line ≤ number of lines); nothing else escapes;
// - input without a "+++" first line is refused at line 1;
// - a parsed document satisfies what front_matter.hpp promises: title, author names and roles,
//   published_in and related paths are single-line text; every text field is non-blank, valid
//   UTF-8 and free of characters XML 1.0 forbids; the slug matches [a-z0-9][a-z0-9_-]*; dates
//   are real moments and updated ≥ published (in UTC); lang has the BCP 47 shape; related paths
//   are absolute, normalised capsule paths; every recorded line is inside the input; the body
//   is the input's tail after the closing "+++" line, and body_line is the line it starts on.
// There is no serialiser, so no round trip; parsing is checked to be deterministic instead.

#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "gemini/utf8.hpp"
#include "syndication/document_error.hpp"
#include "syndication/front_matter.hpp"
#include "syndication/plain_text.hpp"
#include "syndication/xml_text.hpp"

namespace {

using namespace kapsel::syndication;

void check(bool condition) {
    if (!condition) std::abort();
}

int line_count(std::string_view text) {
    int lines = 1;
    for (const char c : text) lines += c == '\n';
    return lines;
}

bool line_inside(int line, std::string_view text) { return line >= 1 && line <= line_count(text); }

void check_text(std::string_view s, bool multi_line) {
    check(s.find_first_not_of(" \t\r\n") != std::string_view::npos);
    check(kapsel::gemini::is_valid_utf8(s));
    check(!find_disallowed_xml_char(s));
    if (!multi_line) check(s.find_first_of("\r\n\t") == std::string_view::npos);
}

bool lower_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

void check_slug_shape(std::string_view slug) {
    check(!slug.empty() && lower_alnum(slug[0]));
    for (const char c : slug) check(lower_alnum(c) || c == '-' || c == '_');
}

void check_lang(std::string_view tag) {
    std::size_t start = 0;
    bool first = true;
    while (true) {
        const std::size_t dash = tag.find('-', start);
        const std::string_view sub = tag.substr(start, dash == std::string_view::npos ? tag.npos : dash - start);
        check(!sub.empty() && sub.size() <= 8 && (!first || sub.size() >= 2));
        for (const char c : sub) {
            const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
            check(alpha || (!first && c >= '0' && c <= '9'));
        }
        if (dash == std::string_view::npos) return;
        first = false;
        start = dash + 1;
    }
}

void check_related(std::string_view path) {
    check(path.starts_with('/'));
    for (const char c : path) {
        const auto u = static_cast<unsigned char>(c);
        check(u > 0x20 && u != 0x7F && c != '?' && c != '#' && c != '\\');
    }
    check(path.find("://") == std::string_view::npos);
    check(path.find("//") == std::string_view::npos);
    // No "." or ".." segment.
    for (std::size_t start = 1; start <= path.size();) {
        std::size_t end = path.find('/', start);
        if (end == std::string_view::npos) end = path.size();
        const std::string_view segment = path.substr(start, end - start);
        check(segment != "." && segment != "..");
        start = end + 1;
    }
}

// The order of two moments, computed apart from utc_sort_key so that a bug there shows.
long long days_from_civil(long long y, int m, int d) {
    y -= m <= 2;
    const long long era = (y >= 0 ? y : y - 399) / 400;
    const long long yoe = y - era * 400;
    const long long doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    return era * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719468;
}

bool not_before(const DateTime& later, const DateTime& earlier) {
    const auto seconds = [](const DateTime& dt) {
        return days_from_civil(dt.year, dt.month, dt.day) * 86'400 + dt.hour * 3'600 + dt.minute * 60 + dt.second -
               dt.offset_minutes * 60LL;
    };
    const long long a = seconds(later), b = seconds(earlier);
    return a != b ? a > b : later.nanosecond >= earlier.nanosecond;
}

void check_document(std::string_view text, const DocumentSource& doc) {
    const FrontMatter& m = doc.meta;
    check_text(m.title, false);
    check_slug_shape(m.slug);
    check(!check_slug(m.slug));
    check(line_inside(m.slug_line, text));
    for (const Author& a : m.authors) {
        check_text(a.name, false);
        if (!a.role.empty()) check_text(a.role, false);
    }
    check(!validate(m.published));
    if (m.updated) {
        check(!validate(*m.updated));
        check(not_before(*m.updated, m.published));
        check(&m.effective_updated() == &*m.updated);
    } else {
        check(&m.effective_updated() == &m.published);
    }
    if (!m.published_in.empty()) check_text(m.published_in, false);
    if (m.lang) {
        check_text(*m.lang, false);
        check_lang(*m.lang);
    }
    if (m.summary) check_text(*m.summary, true);
    for (const RelatedPath& r : m.related) {
        check_text(r.path, false);
        check_related(r.path);
        check(line_inside(r.line, text));
    }

    // The body is the tail after a "+++" line (LF or CRLF, or the end of the input).
    check(text.size() >= doc.body.size() && text.ends_with(doc.body));
    check(doc.body.empty() || doc.body.data() == text.data() + (text.size() - doc.body.size()));
    const std::string_view head = text.substr(0, text.size() - doc.body.size());
    check(head.starts_with("+++"));
    check(head.ends_with("\n+++\n") || head.ends_with("\n+++\r\n") ||
          (doc.body.empty() && (head.ends_with("\n+++") || head.ends_with("\n+++\r"))));
    check(line_inside(doc.body_line, text));
    int body_line = 1;
    for (const char c : head) body_line += c == '\n';
    check(doc.body_line == body_line);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    try {
        const DocumentSource doc = parse_document(text, "fuzz-doc");
        check(has_front_matter(text));
        check_document(text, doc);

        // Deterministic, and the default slug is used only when the header sets none.
        const DocumentSource again = parse_document(text, "annan");
        check(again.meta.title == doc.meta.title && again.meta.related == doc.meta.related &&
              again.meta.published == doc.meta.published && again.body == doc.body);
        check(doc.meta.slug == again.meta.slug || (doc.meta.slug == "fuzz-doc" && again.meta.slug == "annan"));

        try {
            const PlainText plain = parse_plain_text(doc.body, doc.body_line);
            check(!plain.title.empty());
        } catch (const DocumentError& e) {
            check(line_inside(e.line(), text));
        }
    } catch (const DocumentError& e) {
        check(line_inside(e.line(), text));
        check(*e.what() != '\0');
        if (!has_front_matter(text)) check(e.line() == 1);
    }
    return 0;
}
