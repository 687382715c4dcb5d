#include "syndication/plain_text.hpp"

#include <algorithm>

#include "syndication/document_error.hpp"
#include "syndication/gemtext.hpp"
#include "text/lines.hpp"

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

}  // namespace

PlainText parse_plain_text(std::string_view body, int first_line) {
    PlainText out;
    std::string paragraph;
    bool have_title = false;
    const auto flush = [&] {
        if (!paragraph.empty()) out.paragraphs.push_back(std::move(paragraph));
        paragraph.clear();
    };
    for (const text::Line& raw : text::Lines(body)) {
        std::string line(trim_right(raw.content));
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

std::string render_gemtext(const FrontMatter& meta, const PlainText& text, const PageLinks& links,
                           const Wording& words) {
    std::string out = "# " + text.title + "\n\n";
    if (const std::string by = byline(meta.authors, words); !by.empty()) out += as_text_line(by) + "\n";
    for (const std::string& line : date_lines(meta, words)) out += as_text_line(line) + "\n";
    for (const std::string& paragraph : text.paragraphs) out += "\n" + as_text_line(paragraph) + "\n";
    if (!links.related.empty()) {
        out += "\n## " + std::string(words.read_more) + "\n\n";
        for (const PageLink& link : links.related) out += link_line(link.path, link.label) + "\n";
    }
    out += "\n";
    if (!links.text_path.empty()) out += link_line(links.text_path, words.plain_text_link) + "\n";
    out += link_line(links.index_path, words.home_link) + "\n";
    out += link_line(links.feed_path, words.feed_link) + "\n";
    return out;
}

}  // namespace kapsel::syndication
