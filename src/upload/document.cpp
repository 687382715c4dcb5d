// prepare_document: the file an upload becomes (see document.hpp).
//
// kapsel edits front matter as text, never by writing the TOML back out, so the writer's
// layout and comments stay as they were: lines are inserted right after the opening "+++"
// (the only place a top-level key is sure to stay top-level, before any [table] header), and a
// key kapsel sets is rewritten in its own line. The result is then read exactly as the build
// reads a document (capsule::parse_document_file), and a LineMap turns the lines of its
// messages back into the lines the client sent.

#include "upload/document.hpp"

#include <toml++/toml.h>

#include <algorithm>

#include "capsule/build.hpp"
#include "gemini/utf8.hpp"
#include "syndication/document_error.hpp"
#include "syndication/front_matter.hpp"
#include "text/lines.hpp"

namespace kapsel::upload {
namespace {

namespace syn = kapsel::syndication;

gemini::Rejection refuse(std::string meta) { return {gemini::Status::bad_request, std::move(meta)}; }

std::string trimmed(std::string_view s) {
    const auto first = s.find_first_not_of(" \t");
    if (first == std::string_view::npos) return {};
    const auto last = s.find_last_not_of(" \t");
    return std::string(s.substr(first, last - first + 1));
}

/// A document's front matter, parsed: where it closes, and its table.
struct Header {
    int closing = 0;              // the line of the closing "+++"
    std::size_t body_offset = 0;  // where the body starts
    toml::table table;
};

// The front matter of `text` (which starts with "+++"), or nullopt when it never closes or is
// not TOML: then parse_document_file says why, in check's words.
std::optional<Header> read_header(std::string_view text) {
    const text::Lines lines(text);
    auto it = lines.begin();
    if (it == lines.end() || it->content != "+++") return std::nullopt;
    const std::size_t header_begin = (++it)->offset;
    while (it != lines.end() && it->content != "+++") ++it;
    if (it == lines.end()) return std::nullopt;
    Header h;
    h.closing = it->number;
    h.body_offset = it->offset + it->with_ending.size();
    try {
        h.table = toml::parse(text.substr(header_begin, it->offset - header_begin));
    } catch (const toml::parse_error&) {
        return std::nullopt;
    }
    return h;
}

// The line of the file on which top-level `key` and its whole value stand, when it is one line.
std::optional<int> single_line_key(const toml::table& table, std::string_view key) {
    for (const auto& [k, v] : table) {
        if (k.str() != key) continue;
        const auto line = k.source().begin.line;
        if (line == 0 || v.source().begin.line != line || v.source().end.line != line) return std::nullopt;
        return static_cast<int>(line) + 1;  // the header's first line is the file's second
    }
    return std::nullopt;
}

// The text's lines, each with its ending.
std::vector<std::string> split_lines(std::string_view text) {
    std::vector<std::string> out;
    for (const text::Line& l : text::Lines(text)) out.emplace_back(l.with_ending);
    return out;
}

std::string ending_of(const std::string& line) {
    if (line.ends_with("\r\n")) return "\r\n";
    return "\n";
}

std::string join(const std::vector<std::string>& lines) {
    std::string out;
    for (const auto& l : lines) out += l;
    return out;
}

// The `published` line of the document being replaced, as it was written.
std::optional<std::string> published_line(std::string_view previous) {
    const auto header = read_header(previous);
    if (!header) return std::nullopt;
    const auto line = single_line_key(header->table, "published");
    if (!line) return std::nullopt;
    const auto lines = split_lines(previous);
    std::string text = lines[static_cast<std::size_t>(*line - 1)];
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
    return text;
}

// Front matter sent along: completed with published (the old one's, or now) when it has none,
// and an edit's updated set to now.
std::variant<Prepared, gemini::Rejection> complete_header(std::string_view body, const Header& header,
                                                          std::optional<std::string_view> previous,
                                                          const std::string& now) {
    Prepared out;
    auto lines = split_lines(body);
    std::vector<std::string> insert;
    if (!header.table.contains("published")) {
        const auto old = previous ? published_line(*previous) : std::nullopt;
        insert.push_back(old.value_or("published = " + now) + "\n");
    }
    int replaced = 0;
    if (previous) {
        if (const auto u = single_line_key(header.table, "updated")) {
            auto& line = lines[static_cast<std::size_t>(*u - 1)];
            line = "updated = " + now + ending_of(line);
            replaced = *u + static_cast<int>(insert.size());
        } else if (!header.table.contains("updated")) {
            insert.push_back("updated = " + now + "\n");
        }
    }
    lines.insert(lines.begin() + 1, insert.begin(), insert.end());
    out.bytes = join(lines);
    out.lines = {2, static_cast<int>(insert.size()), replaced, 0, "in the front matter kapsel completed"};
    return out;
}

// No front matter sent, replacing a document: its header kept, updated set to now, and a title
// that was its first line following the new first line.
std::variant<Prepared, gemini::Rejection> keep_header(std::string_view body, std::string_view previous, bool plain,
                                                      const std::string& now) {
    const auto header = read_header(previous);
    if (!header) return refuse("The front matter of the document this replaces does not parse; fix it on the server");
    const auto old_lines = split_lines(previous);
    std::vector<std::string> head(old_lines.begin(), old_lines.begin() + header->closing);
    if (!head.back().ends_with('\n')) head.back() += '\n';

    if (const auto t = single_line_key(header->table, "title")) {
        const auto old_title = header->table["title"].value<std::string>();
        const auto derived = title_from_first_line(previous.substr(header->body_offset), plain);
        const auto fresh = title_from_first_line(body, plain);
        if (old_title && derived && fresh && *old_title == derived->first) {
            auto& line = head[static_cast<std::size_t>(*t - 1)];
            line = "title = " + syn::toml_basic_string(fresh->first) + ending_of(line);
        }
    }
    if (const auto u = single_line_key(header->table, "updated")) {
        auto& line = head[static_cast<std::size_t>(*u - 1)];
        line = "updated = " + now + ending_of(line);
    } else {
        head.insert(head.begin() + 1, "updated = " + now + "\n");
    }
    Prepared out;
    out.bytes = join(head) + std::string(body);
    out.lines = {1, static_cast<int>(head.size()), 0, 0, "in the front matter kept from the document this replaces"};
    return out;
}

// A new document without front matter: kapsel writes title, slug and published.
std::variant<Prepared, gemini::Rejection> write_header(std::string_view body, const Target& target, bool plain,
                                                       const std::string& now) {
    const auto title = title_from_first_line(body, plain);
    if (!title) return refuse("1: the first line is the title, and there is none");
    Prepared out;
    out.bytes = "+++\ntitle = " + syn::toml_basic_string(title->first) + "\nslug = " + syn::toml_basic_string(target.stem) +
                "\npublished = " + now + "\n+++\n" + std::string(body);
    out.lines = {1, 5, 0, title->second, "in the front matter kapsel wrote"};
    return out;
}

}  // namespace

std::optional<int> LineMap::upload_line(int file_line) const {
    if (file_line == replaced && replaced > 0) return std::nullopt;
    if (file_line >= inserted_at && file_line < inserted_at + inserted) return std::nullopt;
    return file_line >= inserted_at + inserted ? file_line - inserted : file_line;
}

gemini::Rejection LineMap::rejection(int file_line, const std::string& message) const {
    if (file_line <= 0) return refuse(message);
    if (const auto line = upload_line(file_line)) return refuse(std::to_string(*line) + ": " + message);
    if (stands_for > 0) return refuse(std::to_string(stands_for) + ": " + message);
    return refuse(message + " (" + whose + ", line " + std::to_string(file_line) + ")");
}

std::optional<std::pair<std::string, int>> title_from_first_line(std::string_view body, bool plain) {
    for (const text::Line& line : text::Lines(body)) {
        std::string s(line.content);
        std::replace(s.begin(), s.end(), '\r', ' ');  // as the plain-text reader does
        std::replace(s.begin(), s.end(), '\t', ' ');  // a title is one line of words
        s = trimmed(s);
        if (s.empty()) continue;
        if (!plain) {
            if (s.starts_with("=>")) {  // a link: its label, or its URL
                s = trimmed(s.substr(2));
                const auto space = s.find(' ');
                if (space != std::string::npos) s = trimmed(s.substr(space));
            } else if (s.starts_with("```")) {  // a preformatted block's alt text, if any
                s = trimmed(s.substr(3));
            } else if (s.front() == '#') {
                s = trimmed(s.substr(std::min(s.find_first_not_of('#'), s.size())));
            } else if (s.front() == '*' || s.front() == '>') {
                s = trimmed(s.substr(1));
            }
        }
        if (!s.empty()) return std::pair{s, line.number};
    }
    return std::nullopt;
}

std::variant<Prepared, gemini::Rejection> prepare_document(std::string_view body, const Target& target,
                                                           std::optional<std::string_view> previous,
                                                           const syndication::DateTime& now) {
    const bool plain = target.format == Format::plain_text;
    if (const auto bad = gemini::find_invalid_utf8(body))
        return refuse(std::to_string(text::line_number_at(body, *bad)) + ": invalid UTF-8");
    if (previous && !syn::has_front_matter(*previous)) previous.reset();  // not a document: nothing to keep
    const std::string now_text = syn::to_rfc3339(now);
    const bool sent_header = syn::has_front_matter(body);

    std::variant<Prepared, gemini::Rejection> made;
    if (sent_header) {
        const auto header = read_header(body);
        if (!header) {  // unclosed or not TOML: check's message, at the line the client sent
            try {
                capsule::parse_document_file(body, target.stem, plain);
            } catch (const syn::DocumentError& e) {
                return LineMap{}.rejection(e.line(), e.what());
            }
            return refuse("1: front matter does not parse");  // not reached: the reader refuses it too
        }
        made = complete_header(body, *header, previous, now_text);
    } else if (previous) {
        made = keep_header(body, *previous, plain, now_text);
    } else {
        made = write_header(body, target, plain, now_text);
    }
    if (auto* rejection = std::get_if<gemini::Rejection>(&made)) return std::move(*rejection);
    auto& out = std::get<Prepared>(made);

    try {
        const capsule::DocumentFile doc = capsule::parse_document_file(out.bytes, target.stem, plain);
        out.slug = doc.meta.slug;
        if (sent_header && out.slug != target.stem)
            return out.lines.rejection(doc.meta.slug_line,
                                       "slug must be \"" + target.stem + "\": a document is served under the name it is "
                                                                         "uploaded to");
    } catch (const syn::DocumentError& e) {
        return out.lines.rejection(e.line(), e.what());
    }
    return std::move(out);
}

std::vector<std::string> served_paths(std::string_view bytes, const std::string& rel_dir, std::string_view stem,
                                      bool plain) {
    std::string slug(stem);
    try {
        slug = syn::parse_document(bytes, stem).meta.slug;
    } catch (const syn::DocumentError&) {
    }
    const std::string dir = "/" + rel_dir + "/";
    std::vector<std::string> paths{dir + slug + ".gmi"};
    if (plain) paths.push_back(dir + slug + ".txt");
    return paths;
}

}  // namespace kapsel::upload
