#include "syndication/plain_text.hpp"

#include <algorithm>

#include "syndication/document_error.hpp"
#include "syndication/gemtext.hpp"
#include "syndication/url_path.hpp"

namespace kapsel::syndication {
namespace {

std::string_view trim_right(std::string_view s) {
    const std::size_t last = s.find_last_not_of(" \t\r");
    return last == std::string_view::npos ? std::string_view{} : s.substr(0, last + 1);
}

std::string_view trim_left(std::string_view s) {
    const std::size_t first = s.find_first_not_of(" \t");
    return first == std::string_view::npos ? std::string_view{} : s.substr(first);
}

std::string author_text(const Author& a) { return a.role.empty() ? a.name : a.name + ", " + a.role; }

}  // namespace

PlainText parse_plain_text(std::string_view body, int first_line) {
    PlainText out;
    std::string paragraph;
    bool have_title = false;
    std::size_t pos = 0;
    const auto flush = [&] {
        if (!paragraph.empty()) out.paragraphs.push_back(std::move(paragraph));
        paragraph.clear();
    };
    while (pos < body.size()) {
        const std::size_t nl = body.find('\n', pos);
        const std::string_view raw = body.substr(pos, nl == std::string_view::npos ? body.npos : nl - pos);
        pos = nl == std::string_view::npos ? body.size() : nl + 1;
        std::string line(trim_right(raw));
        // A carriage return inside a line ends nothing in gemtext, but a client that takes it
        // for a line break would show what follows as markup: make it a space.
        std::replace(line.begin(), line.end(), '\r', ' ');
        if (line.empty()) {
            flush();
            continue;
        }
        if (!have_title) {
            out.title = std::string(trim_left(line));
            have_title = true;
            continue;
        }
        if (paragraph.empty()) {
            paragraph = line;
        } else {
            paragraph += ' ';
            paragraph += trim_left(line);
        }
    }
    flush();
    if (!have_title) throw DocumentError(first_line, "plain-text document has no text after its front matter (its first line is the title)");
    return out;
}

std::string lede(const PlainText& text) { return text.paragraphs.empty() ? text.title : text.paragraphs.front(); }

std::string swedish_byline(const std::vector<Author>& authors) {
    if (authors.empty()) return {};
    std::string out = "Av ";
    for (std::size_t i = 0; i < authors.size(); ++i) {
        if (i > 0) {
            const bool last = i + 1 == authors.size();
            // After "Namn, roll" a comma keeps the role from reading as part of the next name.
            const bool comma = !authors[i - 1].role.empty();
            out += last ? (comma ? ", och " : " och ") : ", ";
        }
        out += author_text(authors[i]);
    }
    out += '.';
    return out;
}

std::vector<std::string> swedish_date_lines(const FrontMatter& meta) {
    std::vector<std::string> lines;
    std::string published = "Publicerad den " + to_swedish_date(meta.published);
    if (!meta.published_in.empty()) published += " i " + meta.published_in;
    lines.push_back(published + ".");
    if (meta.updated && to_iso_date(*meta.updated) != to_iso_date(meta.published))
        lines.push_back("Uppdaterad den " + to_swedish_date(*meta.updated) + ".");
    return lines;
}

std::string link_line(std::string_view path, std::string_view label) {
    std::string out = "=> " + encode_path(path);
    if (!label.empty()) {
        out += ' ';
        out += label;
    }
    return out;
}

std::string render_gemtext(const FrontMatter& meta, const PlainText& text, const PageLinks& links) {
    std::string out = "# " + text.title + "\n\n";
    if (const std::string byline = swedish_byline(meta.authors); !byline.empty()) out += as_text_line(byline) + "\n";
    for (const std::string& line : swedish_date_lines(meta)) out += as_text_line(line) + "\n";
    for (const std::string& paragraph : text.paragraphs) out += "\n" + as_text_line(paragraph) + "\n";
    if (!links.related.empty()) {
        out += "\n## Läs mer\n\n";
        for (const PageLink& link : links.related) out += link_line(link.path, link.label) + "\n";
    }
    out += "\n";
    if (!links.text_path.empty()) out += link_line(links.text_path, "Texten som ren text (text/plain)") + "\n";
    out += link_line(links.index_path, "Till startsidan") + "\n";
    out += link_line(links.feed_path, "Prenumerera via Atom-flödet") + "\n";
    return out;
}

}  // namespace kapsel::syndication
