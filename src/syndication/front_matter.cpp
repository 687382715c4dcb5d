#include "syndication/front_matter.hpp"

#include <array>
#include <cstdio>
#include <toml++/toml.h>

#include "syndication/document_error.hpp"
#include "syndication/xml_text.hpp"
#include "text/ascii.hpp"
#include "text/language_tag.hpp"
#include "text/lines.hpp"

namespace kapsel::syndication {
namespace {

constexpr std::string_view delimiter = "+++";

struct Reader {
    int header_line;  // source line of the header's first line (the one after "+++")

    int line_of(const toml::node& node) const { return line_of(node.source()); }
    int line_of(const toml::source_region& region) const {
        return region.begin.line == 0 ? header_line - 1 : header_line + static_cast<int>(region.begin.line) - 1;
    }

    [[noreturn]] void fail(const toml::node& node, const std::string& message) const {
        throw DocumentError(line_of(node), message);
    }

    // A text field: XML-safe characters only; one line unless `multi_line`.
    std::string text(const toml::node& node, std::string_view key, bool multi_line) const {
        const auto* value = node.as_string();
        if (!value) fail(node, std::string(key) + " must be a string");
        std::string s = value->get();
        if (s.find_first_not_of(" \t\r\n") == std::string::npos) fail(node, std::string(key) + " must not be empty");
        if (const auto bad = find_disallowed_xml_char(s))
            fail(node, std::string(key) + " contains " + code_point_name(bad->code_point) +
                           ", which a feed cannot carry (XML 1.0)");
        if (!multi_line) {
            for (const char c : s) {
                if (c == '\n' || c == '\r' || c == '\t') fail(node, std::string(key) + " must be a single line");
            }
        }
        return s;
    }

    DateTime date(const toml::node& node, std::string_view key) const {
        DateTime dt;
        if (const auto* d = node.as_date()) {
            const toml::date v = d->get();
            dt.year = v.year;
            dt.month = v.month;
            dt.day = v.day;
        } else if (const auto* t = node.as_date_time()) {
            const toml::date_time v = t->get();
            if (!v.offset) {
                fail(node, std::string(key) + " has a time but no UTC offset: add one (Z, +01:00) or give the date alone");
            }
            dt = {v.date.year, v.date.month, v.date.day, v.time.hour, v.time.minute, v.time.second,
                  v.time.nanosecond, v.offset->minutes};
        } else {
            fail(node, std::string(key) + " must be a TOML date (2023-03-20) or a date-time with offset "
                                          "(2023-03-20T08:00:00+01:00)");
        }
        if (const auto why = validate(dt)) fail(node, std::string(key) + ": " + *why);
        // Feeds and their monthly archives work in UTC, whose year must have four digits too.
        if (const int utc_year = to_utc(dt).year; utc_year < 0 || utc_year > 9999)
            fail(node, std::string(key) + " falls in the year " + std::to_string(utc_year) +
                           " in UTC; a date must lie within the years 0000 to 9999 there as well");
        return dt;
    }
};

std::optional<std::string> check_related_path(std::string_view path) {
    if (path.empty() || path.front() != '/') return "must be an absolute capsule path starting with '/'";
    if (path.find("://") != std::string_view::npos) return "must be a path inside this capsule, not a URL";
    for (const char c : path) {
        if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7F) return "must not contain spaces or control characters";
        if (c == '?' || c == '#' || c == '\\') return "must not contain '?', '#' or '\\'";
    }
    // Every segment after the leading '/': none empty (but a trailing '/'), '.' or '..'.
    for (std::size_t start = 1; start <= path.size();) {
        std::size_t end = path.find('/', start);
        if (end == std::string_view::npos) end = path.size();
        const std::string_view segment = path.substr(start, end - start);
        const bool trailing_slash = segment.empty() && end == path.size();
        if ((segment.empty() && !trailing_slash && path.size() > 1) || segment == "." || segment == "..")
            return "must be a normalised path (no '.', '..' or empty segments)";
        start = end + 1;
    }
    return std::nullopt;
}

// The specific part of a tag: URI (RFC 4151): pchar, '/' and '?'; '%' only as an escape.
std::optional<std::string> check_entry_id(std::string_view id) {
    for (std::size_t i = 0; i < id.size(); ++i) {
        const char c = id[i];
        const bool plain = text::is_alnum(c) || std::string_view("-._~!$&'()*+,;=:@/?").find(c) != std::string_view::npos;
        const bool escape = c == '%' && i + 2 < id.size() && text::hex_value(id[i + 1]) >= 0 && text::hex_value(id[i + 2]) >= 0;
        if (!plain && !escape)
            return "id \"" + std::string(id) + "\" may hold only letters, digits and - . _ ~ ! $ & ' ( ) * + , ; = : @ / ? "
                   "(it becomes the entry's tag: URI)";
    }
    return std::nullopt;
}

constexpr std::array<std::string_view, 11> known_keys{"title", "slug",    "authors", "published", "updated", "published_in",
                                                      "lang",  "summary", "related", "aliases",   "id"};

}  // namespace

bool has_front_matter(std::string_view source) {
    const text::Lines lines(source);
    return lines.begin() != lines.end() && lines.begin()->content == delimiter;
}

std::optional<std::string> check_slug(std::string_view slug) {
    if (slug.empty()) return "slug must not be empty";
    for (std::size_t i = 0; i < slug.size(); ++i) {
        const char c = slug[i];
        const bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
        if (!(alnum || (i > 0 && (c == '-' || c == '_')))) {
            return "slug \"" + std::string(slug) +
                   "\" is not valid: use lower-case a-z, 0-9, '-' and '_', starting with a letter or digit";
        }
    }
    return std::nullopt;
}

DocumentSource parse_document(std::string_view source, std::string_view default_slug) {
    if (!has_front_matter(source)) throw DocumentError(1, "expected front matter: the first line must be \"+++\"");

    // Find the closing delimiter.
    const text::Lines lines(source);
    auto it = lines.begin();
    const std::size_t header_begin = (++it)->offset;
    while (it != lines.end() && it->content != delimiter) ++it;
    if (it == lines.end()) throw DocumentError(1, "front matter opened here is never closed with a \"+++\" line");
    const std::size_t header_end = it->offset;

    DocumentSource doc;
    doc.body = source.substr(it->offset + it->with_ending.size());
    // The line after the closing "+++", unless that line ends the text without a line ending.
    doc.body_line = it->with_ending.ends_with('\n') ? it->number + 1 : it->number;
    const Reader reader{2};

    toml::table table;
    try {
        table = toml::parse(source.substr(header_begin, header_end - header_begin));
    } catch (const toml::parse_error& e) {
        throw DocumentError(reader.line_of(e.source()), "front matter: " + std::string(e.description()));
    }

    for (const auto& [key, node] : table) {
        bool known = false;
        for (const auto k : known_keys) known = known || key.str() == k;
        if (!known) {
            throw DocumentError(reader.line_of(key.source()),
                                "unknown front matter key \"" + std::string(key.str()) +
                                    "\" (known: title, slug, authors, published, updated, published_in, lang, "
                                    "summary, related, aliases, id)");
        }
    }

    FrontMatter& meta = doc.meta;
    if (const toml::node* n = table.get("title")) meta.title = reader.text(*n, "title", false);
    else throw DocumentError(1, "front matter has no title");

    if (const toml::node* n = table.get("slug")) {
        meta.slug = reader.text(*n, "slug", false);
        meta.slug_line = reader.line_of(*n);
    } else {
        meta.slug = std::string(default_slug);
        meta.slug_line = 1;
    }
    if (const auto why = check_slug(meta.slug)) {
        throw DocumentError(meta.slug_line, table.get("slug") ? *why : *why + " (taken from the file name; set slug)");
    }

    if (const toml::node* n = table.get("authors")) {
        const auto* array = n->as_array();
        if (!array) reader.fail(*n, "authors must be an array of tables: [{ name = \"...\", role = \"...\" }]");
        for (const toml::node& item : *array) {
            const auto* author = item.as_table();
            if (!author) reader.fail(item, "each author must be a table: { name = \"...\", role = \"...\" }");
            Author a;
            for (const auto& [key, value] : *author) {
                if (key.str() == "name") a.name = reader.text(value, "author name", false);
                else if (key.str() == "role") a.role = reader.text(value, "author role", false);
                else
                    throw DocumentError(reader.line_of(key.source()),
                                        "unknown author key \"" + std::string(key.str()) + "\" (known: name, role)");
            }
            if (a.name.empty()) reader.fail(item, "author has no name");
            meta.authors.push_back(std::move(a));
        }
    }

    if (const toml::node* n = table.get("published")) meta.published = reader.date(*n, "published");
    else throw DocumentError(1, "front matter has no published date");

    if (const toml::node* n = table.get("updated")) {
        meta.updated = reader.date(*n, "updated");
        if (utc_sort_key(*meta.updated) < utc_sort_key(meta.published))
            reader.fail(*n, "updated (" + to_rfc3339(*meta.updated) + ") is earlier than published (" +
                                to_rfc3339(meta.published) + ")");
    }

    if (const toml::node* n = table.get("published_in")) meta.published_in = reader.text(*n, "published_in", false);

    if (const toml::node* n = table.get("lang")) {
        meta.lang = reader.text(*n, "lang", false);
        if (!text::is_language_tag(*meta.lang)) reader.fail(*n, "lang \"" + *meta.lang + "\" is not a BCP 47 language tag");
    }

    if (const toml::node* n = table.get("summary")) meta.summary = reader.text(*n, "summary", true);

    if (const toml::node* n = table.get("related")) {
        const auto* array = n->as_array();
        if (!array) reader.fail(*n, "related must be an array of capsule paths: [\"/notes/x.gmi\"]");
        for (const toml::node& item : *array) {
            std::string path = reader.text(item, "related path", false);
            if (const auto why = check_related_path(path)) reader.fail(item, "related path \"" + path + "\" " + *why);
            meta.related.push_back({std::move(path), reader.line_of(item)});
        }
    }

    if (const toml::node* n = table.get("aliases")) {
        const auto* array = n->as_array();
        if (!array) reader.fail(*n, "aliases must be an array of old paths: [\"/old/path.gmi\"]");
        for (const toml::node& item : *array) {
            std::string path = reader.text(item, "alias", false);
            if (const auto why = check_related_path(path)) reader.fail(item, "alias \"" + path + "\" " + *why);
            if (!path.ends_with(".gmi"))
                reader.fail(item, "alias \"" + path + "\" must be a page's old path, ending in .gmi");
            meta.aliases.push_back({std::move(path), reader.line_of(item)});
        }
    }

    if (const toml::node* n = table.get("id")) {
        meta.id = reader.text(*n, "id", false);
        meta.id_line = reader.line_of(*n);
        if (const auto why = check_entry_id(*meta.id)) reader.fail(*n, *why);
    }
    return doc;
}

std::string toml_basic_string(std::string_view s) {
    std::string out = "\"";
    for (const char c : s) {
        const auto u = static_cast<unsigned char>(c);
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (u < 0x20 || u == 0x7F) {
            char escape[8];
            std::snprintf(escape, sizeof escape, "\\u%04X", u);
            out += escape;
        } else {
            out += c;
        }
    }
    return out + "\"";
}

}  // namespace kapsel::syndication
