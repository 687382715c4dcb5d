// libFuzzer target for plain text → gemtext (parse_plain_text + render_gemtext), fed the way
// the capsule loader feeds it: a document with front matter when the input has valid front
// matter, otherwise the whole input as the body under a fixed header. Invariants:
// - the page is valid UTF-8 whenever its inputs are;
// - the page has exactly the shape render_gemtext documents: "# title", blank, byline and
//   date lines, then one blank + one text line per paragraph, then the "Läs mer" block and the
//   trailing links. The only markup lines are the title heading, "## Läs mer" and the
//   generated links; no prose line reads as markup (=>, #, *, >, ```), so the input can never
//   make a link, heading, list item, quote or preformatted block;
// - every word (run of non-blank bytes) of the input's title and paragraphs reaches the page,
//   verbatim and in order, and nothing else appears in the prose lines.

#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "gemini/utf8.hpp"
#include "syndication/document_error.hpp"
#include "syndication/front_matter.hpp"
#include "syndication/plain_text.hpp"

namespace {

using namespace kapsel::syndication;

void check(bool condition) {
    if (!condition) std::abort();
}

std::vector<std::string_view> split_lines(std::string_view text) {
    std::vector<std::string_view> out;
    std::size_t pos = 0;
    while (pos < text.size()) {
        const std::size_t nl = text.find('\n', pos);
        out.push_back(text.substr(pos, nl == std::string_view::npos ? text.npos : nl - pos));
        pos = nl == std::string_view::npos ? text.size() : nl + 1;
    }
    return out;
}

bool blank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

void append_words(std::string_view text, std::vector<std::string_view>& words) {
    std::size_t i = 0;
    while (i < text.size()) {
        while (i < text.size() && blank(text[i])) ++i;
        const std::size_t start = i;
        while (i < text.size() && !blank(text[i])) ++i;
        if (i > start) words.push_back(text.substr(start, i - start));
    }
}

// Gemtext line types other than text, per the gemtext specification (kept independent of
// gemtext.hpp on purpose; "*" alone is counted too, which only makes the check stricter).
bool is_markup(std::string_view line) {
    return line.starts_with("=>") || line.starts_with('#') || line.starts_with('*') || line.starts_with('>') ||
           line.starts_with("```");
}

bool is_text_line(std::string_view line) { return !line.empty() && !is_markup(line); }

FrontMatter fixed_meta(std::size_t variant) {
    FrontMatter meta;
    meta.title = "Rubrik";
    meta.slug = "fuzz";
    meta.published = {2023, 3, 20};
    if (variant & 1) meta.authors = {{"Hans Lindberg (S)", "kommunalråd"}, {"Janet Ågren (S)", ""}};
    if (variant & 2) meta.updated = DateTime{2023, 3, 21, 9, 30, 0, 0, 60};
    if (variant & 4) meta.published_in = "Västerbottens-Kuriren";
    return meta;
}

void check_page(std::string_view body, const FrontMatter& meta, const PlainText& text, const PageLinks& links,
                const Wording& words,
                const std::string& page) {
    using kapsel::gemini::is_valid_utf8;
    bool inputs_valid = is_valid_utf8(body);
    for (const PageLink& link : links.related) inputs_valid = inputs_valid && is_valid_utf8(link.label);
    if (inputs_valid) check(is_valid_utf8(page));

    check(page.ends_with('\n'));
    const std::vector<std::string_view> lines = split_lines(page);
    std::size_t at = 0;
    const auto next = [&]() -> std::string_view {
        check(at < lines.size());
        return lines[at++];
    };

    // Header: the title heading, a blank line, byline and date lines (all plain text).
    check(next() == "# " + text.title);
    check(next().empty());
    const bool updated_another_day = meta.updated && (meta.updated->year != meta.published.year ||
                                                      meta.updated->month != meta.published.month ||
                                                      meta.updated->day != meta.published.day);
    const std::size_t meta_lines = (meta.authors.empty() ? 0 : 1) + (updated_another_day ? 2 : 1);
    for (std::size_t i = 0; i < meta_lines; ++i) check(is_text_line(next()));

    // Footer, read from the end: the fixed links, then the "Läs mer" block.
    const std::size_t footer = 1 + (links.text_path.empty() ? 0 : 1) + 2 +
                               (links.related.empty() ? 0 : 3 + links.related.size());
    check(lines.size() >= at + footer);
    const std::size_t prose_end = lines.size() - footer;
    std::size_t f = prose_end;
    if (!links.related.empty()) {
        check(lines[f++].empty());
        check(lines[f++] == "## " + std::string(words.read_more));
        check(lines[f++].empty());
        for (std::size_t i = 0; i < links.related.size(); ++i) check(lines[f++].starts_with("=> /"));
    }
    check(lines[f++].empty());
    if (!links.text_path.empty()) check(lines[f++].starts_with("=> /"));
    check(lines[f++] == "=> / " + std::string(words.home_link));
    check(lines[f++] == "=> /atom.xml " + std::string(words.feed_link));
    check(f == lines.size());

    // Prose: a blank line, then one text line, per paragraph; never markup.
    std::vector<std::string_view> page_words;
    check((prose_end - at) % 2 == 0);
    check((prose_end - at) / 2 == text.paragraphs.size());
    while (at < prose_end) {
        check(next().empty());
        const std::string_view line = next();
        check(is_text_line(line));
        append_words(line, page_words);
    }

    // Words: the input's first non-blank line is the title, the rest its paragraphs.
    std::vector<std::string_view> body_words;
    std::vector<std::string_view> title_words;
    bool have_title = false;
    for (const std::string_view line : split_lines(body)) {
        if (!have_title) {
            append_words(line, title_words);
            have_title = !title_words.empty();
        } else {
            append_words(line, body_words);
        }
    }
    std::vector<std::string_view> heading_words;
    append_words(std::string_view(lines[0]).substr(2), heading_words);
    check(heading_words == title_words);
    check(page_words == body_words);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);

    FrontMatter meta = fixed_meta(size);
    std::string_view body = input;
    int body_line = 1;
    if (has_front_matter(input)) {
        try {
            DocumentSource doc = parse_document(input, "fuzz");
            meta = std::move(doc.meta);
            body = doc.body;
            body_line = doc.body_line;
        } catch (const DocumentError&) {
            // Not a document the loader would accept: convert the whole input as a body.
        }
    }

    PlainText text;
    try {
        text = parse_plain_text(body, body_line);
    } catch (const DocumentError& e) {
        // Only a body without any non-blank line has no title.
        check(e.line() == body_line);
        for (const char c : body) check(blank(c));
        return 0;
    }
    check(!text.title.empty());

    PageLinks links;
    if (size & 8) links.text_path = "/artiklar/fuzz.txt";
    for (const RelatedPath& related : meta.related) links.related.push_back({related.path, meta.title});
    if (size & 16) links.related.push_back({"/anteckningar/om artikeln.gmi", "Om artikeln"});

    // Either table of wording: the page's shape must not depend on the language.
    const Wording& words = wording_for(size & 32 ? "en" : "sv");
    check_page(body, meta, text, links, words, render_gemtext(meta, text, links, words));
    return 0;
}
