// libFuzzer target for front matter (parse_document), followed, as the loader does, by
// parse_plain_text on the body. Invariants:
// - any bytes either parse or raise DocumentError; nothing else escapes. parse_document's
//   errors carry a line within the header: 1 ≤ line ≤ the closing "+++" line (line 1 when
//   there is none); parse_plain_text's a line of the body (body_line ≤ line ≤ last line);
// - input without a "+++" first line is refused at line 1;
// - a parsed document satisfies what front_matter.hpp promises: title, author names and roles,
//   published_in, related paths, aliases and id are single-line text; every text field is
//   non-blank, valid UTF-8 and free of characters XML 1.0 forbids; the slug matches
//   [a-z0-9][a-z0-9_-]*; dates are real moments and updated ≥ published (in UTC); lang has the
//   BCP 47 shape; related paths and aliases are absolute, normalised capsule paths, and every
//   alias ends in ".gmi"; the id holds only what the specific part of a tag: URI may (RFC 4151:
//   ASCII letters and digits, - . _ ~ ! $ & ' ( ) * + , ; = : @ / ?, and '%' only as the start
//   of a %XX escape); every recorded line (slug_line when the slug is set, each related path's
//   and alias's, id_line) is a line of the header, between the "+++" lines; id_line is 0
//   without an id; the body is the input's tail after the closing "+++" line, and body_line is
//   the line it starts on;
// - the converse for id and aliases, on a header made here: a minimal document whose id (and,
//   in another, whose one alias) is the content of the input's last line, written as a TOML
//   basic string, parses exactly when the rules above accept that text, reads it back exactly,
//   with its line, and is otherwise refused on that very line.
// There is no serialiser, so no round trip; parsing is checked to be deterministic instead.

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "gemini/utf8.hpp"
#include "syndication/document_error.hpp"
#include "syndication/front_matter.hpp"
#include "syndication/plain_text.hpp"
#include "syndication/xml_text.hpp"
#include "xml_reader.hpp"

namespace {

using namespace kapsel::syndication;

// Aborts, naming the line, when an invariant does not hold (__builtin_LINE: clang 14 has no
// std::source_location yet, and fuzz targets are built with clang only).
void check(bool condition, unsigned line = __builtin_LINE()) {
    if (condition) return;
    std::fprintf(stderr, "fuzz_front_matter.cpp:%u: invariant broken\n", line);
    std::abort();
}

int line_count(std::string_view text) {
    int lines = 1;
    for (const char c : text) lines += c == '\n';
    return lines;
}

bool line_inside(int line, std::string_view text) { return line >= 1 && line <= line_count(text); }

// The line of the closing "+++": the first line after the first whose content (without its
// LF, and without a CR before that LF or the end of the text) is "+++"; 0 when there is none.
int closing_line(std::string_view text) {
    int number = 0;
    for (std::size_t start = 0; start < text.size();) {
        std::size_t end = text.find('\n', start);
        if (end == std::string_view::npos) end = text.size();
        std::string_view content = text.substr(start, end - start);
        if (content.ends_with('\r')) content.remove_suffix(1);
        ++number;
        if (number > 1 && content == "+++") return number;
        start = end + 1;
    }
    return 0;
}

// A line strictly between the "+++" lines.
bool header_line(int line, std::string_view text) { return line >= 2 && line < closing_line(text); }

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

// The id rule of the top of this file, written from RFC 4151 and RFC 3986 (pchar, '/', '?').
bool tag_specific(std::string_view id) {
    const auto hex = [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); };
    for (std::size_t i = 0; i < id.size(); ++i) {
        const char c = id[i];
        const bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
        if (alnum || std::string_view("-._~!$&'()*+,;=:@/?").find(c) != std::string_view::npos) continue;
        if (c == '%' && i + 2 < id.size() && hex(id[i + 1]) && hex(id[i + 2])) continue;
        return false;
    }
    return true;
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
        check(header_line(r.line, text));
    }
    if (m.slug_line != 1) check(header_line(m.slug_line, text));  // 1: the default slug
    for (const RelatedPath& a : m.aliases) {
        check_text(a.path, false);
        check_related(a.path);
        check(a.path.ends_with(".gmi"));
        check(header_line(a.line, text));
    }
    if (m.id) {
        check_text(*m.id, false);
        check(tag_specific(*m.id));
        check(header_line(m.id_line, text));
    } else {
        check(m.id_line == 0);
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

// Single-line, non-blank text a feed can carry: the text rule, from the XML reader's own
// UTF-8 and Char checks rather than kapsel's.
bool single_line_text(std::string_view s) {
    return s.find_first_not_of(" \t\r\n") != std::string_view::npos && s.find_first_of("\r\n\t") == std::string_view::npos &&
           kapsel::fuzz::is_xml_text(s);
}

// The alias rule: an absolute capsule path of non-empty segments, none "." or "..", without
// spaces, controls, '?', '#' or '\\', ending in ".gmi" (so "://" and "//" cannot occur).
bool alias_rule(std::string_view path) {
    if (!single_line_text(path) || !path.starts_with('/') || !path.ends_with(".gmi")) return false;
    for (const char c : path) {
        const auto u = static_cast<unsigned char>(c);
        if (u <= 0x20 || u == 0x7F || c == '?' || c == '#' || c == '\\') return false;
    }
    for (std::size_t start = 1; start <= path.size();) {
        std::size_t end = path.find('/', start);
        if (end == std::string_view::npos) end = path.size();
        const std::string_view segment = path.substr(start, end - start);
        if (segment.empty() || segment == "." || segment == "..") return false;
        start = end + 1;
    }
    return true;
}

// The converse (see the top of this file): `candidate` as the id, then as the one alias, of a
// header made here, on its line 4.
void check_id_and_alias_rules(std::string_view candidate) {
    const std::string head = "+++\ntitle = \"T\"\npublished = 2023-03-20\n";
    const std::string value = toml_basic_string(candidate);
    const std::string with_id = head + "id = " + value + "\n+++\nRubrik\n";
    try {
        const DocumentSource doc = parse_document(with_id, "s");
        check(!candidate.empty() && tag_specific(candidate));
        check(doc.meta.id && *doc.meta.id == candidate && doc.meta.id_line == 4);
    } catch (const DocumentError& e) {
        check(candidate.empty() || !tag_specific(candidate));
        check(e.line() == 4);
    }
    const std::string with_alias = head + "aliases = [" + value + "]\n+++\nRubrik\n";
    try {
        const DocumentSource doc = parse_document(with_alias, "s");
        check(alias_rule(candidate));
        check(doc.meta.aliases == std::vector<RelatedPath>{{std::string(candidate), 4}});
    } catch (const DocumentError& e) {
        check(!alias_rule(candidate));
        check(e.line() == 4);
    }
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
        check(again.meta.aliases == doc.meta.aliases && again.meta.id == doc.meta.id &&
              again.meta.id_line == doc.meta.id_line);
        check(doc.meta.slug == again.meta.slug || (doc.meta.slug == "fuzz-doc" && again.meta.slug == "annan"));

        try {
            const PlainText plain = parse_plain_text(doc.body, doc.body_line);
            check(!plain.title.empty());
        } catch (const DocumentError& e) {
            check(line_inside(e.line(), text));
            check(e.line() >= doc.body_line);
        }
    } catch (const DocumentError& e) {
        check(line_inside(e.line(), text));
        check(*e.what() != '\0');
        if (!has_front_matter(text)) check(e.line() == 1);
        const int closing = closing_line(text);
        check(closing == 0 ? e.line() == 1 : e.line() <= closing);
    }

    // The input's last line, without its line ending (at most 256 bytes of it), as an id and
    // as an alias.
    std::string_view last = text;
    if (last.ends_with('\n')) last.remove_suffix(1);
    if (last.ends_with('\r')) last.remove_suffix(1);
    if (const std::size_t newline = last.rfind('\n'); newline != std::string_view::npos) last.remove_prefix(newline + 1);
    check_id_and_alias_rules(last.substr(0, 256));
    return 0;
}
