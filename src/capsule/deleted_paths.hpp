#pragma once
/// The state file of deletions (titan.state_file): capsule paths that answer 52 because an
/// upload deleted the document that served them. One path a line; the file is kapsel's own.

#include <string>
#include <string_view>
#include <vector>

namespace kapsel::capsule {

/// Reads the state file's text: one absolute, normalised capsule path per line ("/artiklar/x.gmi"),
/// blank lines and lines starting with '#' ignored. Returns the paths sorted, each once. Throws
/// syndication::DocumentError at the line of anything else.
std::vector<std::string> parse_deleted_paths(std::string_view text);

/// The state file's text for `paths` (sorted, each once, after a comment saying what it is), so
/// parse_deleted_paths(format_deleted_paths(p)) gives p back sorted and unique.
std::string format_deleted_paths(std::vector<std::string> paths);

}  // namespace kapsel::capsule
