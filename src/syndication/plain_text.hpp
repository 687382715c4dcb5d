#pragma once
/// Plain text → gemtext: title heading, one line per paragraph, byline and dates, links.

#include <string>
#include <string_view>
#include <vector>

#include "syndication/front_matter.hpp"
#include "syndication/wording.hpp"

namespace kapsel::syndication {

/// A plain-text body read as an article: the first non-blank line is the title; the rest is
/// paragraphs separated by blank lines, each paragraph's lines joined with one space.
struct PlainText {
    std::string title;
    std::vector<std::string> paragraphs;
};

/// Reads a plain-text body. `first_line` is the source line the body starts on (for the
/// message). Throws DocumentError when there is no title line.
PlainText parse_plain_text(std::string_view body, int first_line);

/// The lede: the first paragraph after the title (the title when there is none).
std::string lede(const PlainText& text);

struct PageLink {
    std::string path;  // absolute capsule path
    std::string label;
};

/// Where a converted page links to at its end.
struct PageLinks {
    std::vector<PageLink> related;
    std::string text_path;  // the plain-text original beside the page ("" for none)
    std::string index_path = "/";
    std::string feed_path = "/atom.xml";
};

/// The gemtext page for a plain-text document, its own words in `words`' language. Every
/// paragraph's words reach the page verbatim; lines that would read as markup are
/// neutralised (see as_text_line).
std::string render_gemtext(const FrontMatter& meta, const PlainText& text, const PageLinks& links,
                           const Wording& words);

}  // namespace kapsel::syndication
