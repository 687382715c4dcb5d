#pragma once
/// The I/O half of loading a capsule: the directory tree read into memory, once, so that the
/// build (build.hpp) is a pure function of bytes. Also Debian's /etc/mime.types.

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "capsule/mime_types.hpp"

namespace kapsel::capsule {

/// One regular file of the capsule, as read.
struct SourceFile {
    std::string rel_dir;  // "" for the root, "anteckningar", "a/b"
    std::string name;     // "tryggt-umea.txt"
    std::string display;  // the file as messages name it ("capsule/artiklar/tryggt-umea.txt")
    std::string bytes;
};

/// Everything under a capsule root that can be served, in a stable order (sorted by name per
/// directory, depth first), so the same tree always builds the same bytes.
struct SourceTree {
    std::string root_display;
    std::vector<std::string> directories;  // "/" paths below the root without a slash at the end ("/a", "/a/b")
    std::vector<SourceFile> files;
};

/// Reads every regular file below `root`. Dot-files and dot-directories are skipped (never
/// served); a symbolic link is followed when it stays inside the root, and refused when it
/// leads outside, loops or is broken; sockets, FIFOs and devices are never content. Throws
/// SourceError naming the file.
SourceTree read_source_tree(const std::filesystem::path& root);

/// `tree` with the file `rel_dir`/`name` given `bytes` (replaced, or added where the walk would
/// have found it) or, with nullopt, removed: an upload built before anything is written.
/// `display` names a new file in messages.
void edit_source_tree(SourceTree& tree, const std::string& rel_dir, const std::string& name, const std::string& display,
                      std::optional<std::string> bytes);

/// The paths uploads deleted, from `state_file` (capsule/deleted_paths.hpp); none when it does
/// not exist. Throws SourceError naming it when it cannot be read or a line is malformed.
std::vector<std::string> read_deleted_paths(const std::filesystem::path& state_file);

/// The built-in table with Debian's /etc/mime.types over it, where present.
MimeTable read_mime_types();

}  // namespace kapsel::capsule
