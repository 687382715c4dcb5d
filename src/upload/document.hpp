#pragma once
/// The file an upload becomes: the body as sent, under front matter that kapsel writes (a new
/// document without any: title from the first line, slug from the name, published now), keeps
/// (an edit without any: the old header, updated now) or completes (a header sent along:
/// published kept or now, an edit's updated now); then checked as `kapsel check` checks a
/// document, a problem answered `59 LINE: message` at the line of what the client sent.

#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "gemini/request.hpp"
#include "syndication/date_time.hpp"
#include "upload/target.hpp"

namespace kapsel::upload {

/// Which lines of the written file came from the upload, so that a message about the file
/// names the line the client sent.
struct LineMap {
    int inserted_at = 1;  // lines [inserted_at, inserted_at + inserted) of the file are kapsel's
    int inserted = 0;
    int replaced = 0;     // one more line of the file kapsel rewrote in place (0: none)
    int stands_for = 0;   // the upload's line kapsel's lines were made from (a title's), 0: none
    std::string whose;    // what kapsel's lines are, for messages: "the front matter kapsel wrote"

    /// The upload's line for line `file_line` of the written file; nullopt for kapsel's lines.
    std::optional<int> upload_line(int file_line) const;
    /// `59 LINE: message` at the upload's line; for a line of kapsel's, at the line it stands for,
    /// or `59 message (WHOSE, line N)`.
    gemini::Rejection rejection(int file_line, const std::string& message) const;
};

/// A document ready to be written.
struct Prepared {
    std::string bytes;  // the whole file
    std::string slug;   // it is served as slug.gmi in its directory
    LineMap lines;
};

/// What the file `target` (plain_text or gemtext) becomes when `body` is uploaded to it at `now`
/// (UTC, whole seconds), `previous` being the document it replaces (nullopt: a new one). The body
/// must be valid UTF-8 (else `59 LINE: invalid UTF-8`). Front matter sent along must keep the
/// target's name as its slug.
std::variant<Prepared, gemini::Rejection> prepare_document(std::string_view body, const Target& target,
                                                           std::optional<std::string_view> previous,
                                                           const syndication::DateTime& now);

/// The title kapsel gives a body without front matter: its first line that is not blank, trimmed
/// (gemtext: without the markup that starts it, '#', '*', '>', a link's URL), and that line's
/// number; nullopt when there is none.
std::optional<std::pair<std::string, int>> title_from_first_line(std::string_view body, bool plain);

/// The paths the document file `bytes` (in `rel_dir`, named `stem`, plain text or not) is served
/// at: its page and, for plain text, the text beside it. Its slug decides; the stem when its
/// front matter does not parse.
std::vector<std::string> served_paths(std::string_view bytes, const std::string& rel_dir, std::string_view stem,
                                      bool plain);

}  // namespace kapsel::upload
