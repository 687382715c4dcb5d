#pragma once
/// Gemtext as semantic HTML5, for the static web mirror of the capsule: one complete page per
/// gemtext document, and the small page that sends a reader on from a moved one.

#include <functional>
#include <string>
#include <string_view>

namespace kapsel::web {

/// What a page says about itself besides its gemtext. Every href is written only when
/// is_safe_href (html_text.hpp) accepts it.
struct PageInfo {
    std::string lang;            // <html lang="...">, one BCP 47 tag ("sv"); omitted when empty or not a tag
    std::string title;           // <title>; when empty, the first "# " heading, else `path`, else "/"
    std::string path;            // the page's capsule path ("/anteckningar/kallor.gmi"): the last-resort title
    std::string feed_href;       // <link rel="alternate" type="application/atom+xml">; omitted when empty
    std::string feed_title;      // its title attribute; omitted when empty
    std::string canonical_href;  // <link rel="canonical">; omitted when empty
    std::string gemini_href;     // <link rel="alternate" type="text/gemini"> to the gemini:// page; omitted when empty
};

/// How a link target in the gemtext becomes an href: mirror_href (links.hpp) bound to the
/// page, or anything else. An empty function keeps targets as written.
using LinkMapper = std::function<std::string(std::string_view target)>;

/// A complete HTML5 document for `gemtext`, read line by line as the gemtext specification
/// reads it (only a line's first characters decide; LF or CRLF endings):
///   "#", "##", "###"  → h1, h2, h3 with the text after the marks and their whitespace
///                       ("####x" is an h3 reading "#x"); a heading without text: nothing
///   "* "              → li; consecutive ones form one ul
///   ">"               → one p per line in a blockquote; consecutive ones form one blockquote
///   "=>[ws]URL[ws label]" → <p><a href="link(URL)">label</a></p>, the URL as written when
///                       there is no label. One paragraph per link line: gemtext cannot tell
///                       a list of links from links between paragraphs, and a one-item ul
///                       would claim a structure the author did not write. A link whose href
///                       is not is_safe_href (javascript:, vbscript:, data:) is its label as
///                       plain text, a p without an a: a dead "#" link would only mislead.
///                       "=>" without a URL is a text line.
///   "```"             → toggles a pre; the text after the opening toggle is its aria-label;
///                       the lines inside are kept verbatim; an unterminated one runs to the end
///   anything else     → one p per line; a line of only spaces and tabs is blank, and blank
///                       lines only end a list or quote
/// Empty list items and quote lines add nothing but do not end their list or quote. Every
/// piece of text is escaped (html_escape), invalid UTF-8 and characters HTML cannot carry
/// becoming U+FFFD, so nothing in the gemtext can become markup. The same input always gives
/// the same bytes.
std::string render_page(std::string_view gemtext, const PageInfo& info, const LinkMapper& link);

/// A small page that sends the reader to `target_href`: <meta http-equiv="refresh"
/// content="0; url=...">, <link rel="canonical">, and a visible link labelled `title` (the
/// target when empty), for moved pages. Leading spaces and controls of the target are dropped
/// (browsers drop them too); a target starting with a quote has it percent-encoded, so the
/// refresh URL never reads as quoted. Throws std::invalid_argument when nothing is left of the
/// target (the page would refresh itself forever) or it is not is_safe_href: redirects are
/// decided when the mirror is built, never from page text.
std::string redirect_page(std::string_view target_href, std::string_view lang, std::string_view title);

}  // namespace kapsel::web
