#pragma once
/// Where a Titan upload may go: the capsule document a request's path names, checked against
/// [titan] paths and the naming rules, or the 59 that says why not. No file system: what is on
/// disk there (a symbolic link, a directory, a file that is no document) the server checks.

#include <string>
#include <string_view>
#include <variant>

#include "config/config.hpp"
#include "gemini/request.hpp"

namespace kapsel::upload {

/// What the body is, and so which file it becomes.
enum class Format {
    plain_text,  // text/plain: NAME.txt, served converted at NAME.gmi and as written at NAME.txt
    gemtext,     // text/gemini: NAME.gmi, served as written
    either,      // a deletion through NAME.gmi: whichever of the two files is there
};

/// A document an upload may write: `rel_dir`/`stem`.txt or .gmi, served at page_path().
struct Target {
    std::string rel_dir;  // one of titan.paths, "artiklar"
    std::string stem;     // a slug: the file name without extension, and the page's name
    Format format = Format::gemtext;

    /// "x.txt" or "x.gmi" (a plain_text or gemtext target only).
    std::string file_name() const;
    /// "/artiklar/x.gmi": the page the document is served at.
    std::string page_path() const;
    /// "artiklar/x.txt" for messages and logs (a plain_text or gemtext target only).
    std::string file_path() const;
};

using Checked = std::variant<Target, gemini::Rejection>;

/// The target of an upload of `mime` to `path` (a decoded, normalised request path, as
/// parse_titan_request gives it), or a deletion (size 0, whatever the mime). All refusals are 59:
/// the start page ("/", "/index.gmi"), a directory ("/artiklar/"), a directory not in
/// titan.paths (a subdirectory of one neither), a name other than NAME.txt or NAME.gmi, a NAME
/// that is no slug ([a-z0-9][a-z0-9_-]*) or is "index" (a directory's start page), a mime other
/// than text/plain and text/gemini, and text/gemini to a .txt (plain text goes to either URL
/// of its page: NAME.gmi or NAME.txt). Never throws, whatever `path` is.
Checked upload_target(const config::TitanSettings& titan, std::string_view path, std::string_view mime, bool deletion);

}  // namespace kapsel::upload
