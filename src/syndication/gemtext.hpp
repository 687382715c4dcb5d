#pragma once
/// Gemtext written by kapsel: the line rules conversion depends on (keeping prose from turning
/// into markup), link lines, and reading a note's first text line.

#include <optional>
#include <string>
#include <string_view>

namespace kapsel::syndication {

/// True when `line`, written at the start of a gemtext line, would be read as markup:
/// a link (=>), heading (#), list item (*), quote (>) or preformatting toggle (```).
bool looks_like_markup(std::string_view line);

/// `line` made safe to emit as a gemtext text line. Markup is only recognised at the very
/// first byte of a line (gemtext spec), so one leading space turns it back into plain text:
/// every word stays verbatim and searchable (a look-alike character or U+200B would change
/// the text readers copy), and clients show a text line as it is.
std::string as_text_line(std::string_view line);

/// One link line, "=> PATH LABEL", with the path percent-encoded where needed.
std::string link_line(std::string_view path, std::string_view label);

/// The first ordinary text line of a gemtext body (not blank, not markup, not preformatted),
/// used as a note's summary when it has none.
std::optional<std::string> first_text_line(std::string_view gemtext);

}  // namespace kapsel::syndication
