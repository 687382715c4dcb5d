#pragma once
/// The I/O half of loading a capsule: the directory tree read into memory, once, so that the
/// build (build.hpp) is a pure function of bytes. Also Debian's /etc/mime.types.

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "capsule/mime_types.hpp"

namespace kapsel::capsule {

/// What stat(2) said of a file when it was read: while all of it stays the same, and the file
/// was last changed well before that read began (see may_reuse), its bytes are the same too.
struct FileStamp {
    std::uint64_t device = 0, inode = 0, size = 0;
    std::int64_t mtime_ns = 0, ctime_ns = 0;  // 0: unknown (a file not read from disk)
    friend bool operator==(const FileStamp&, const FileStamp&) = default;
};

/// One regular file of the capsule, as read.
struct SourceFile {
    std::string rel_dir;  // "" for the root, "anteckningar", "a/b"
    std::string name;     // "tryggt-umea.txt"
    std::string display;  // the file as messages name it ("capsule/artiklar/tryggt-umea.txt")
    std::string bytes;
    FileStamp stamp;
};

/// A static file as the loader keeps it in the tree for the next load, without its bytes (its
/// response holds them): no bytes and no stamp, which nothing read from disk has.
inline bool kept_without_bytes(const SourceFile& file) { return file.bytes.empty() && file.stamp == FileStamp{}; }

/// Everything under a capsule root that can be served, in a stable order (sorted by name per
/// directory, depth first), so the same tree always builds the same bytes.
struct SourceTree {
    std::string root_display;
    std::vector<std::string> directories;  // "/" paths below the root without a slash at the end ("/a", "/a/b")
    /// Shared, not copied, with the previous load's tree where a file did not change.
    std::vector<std::shared_ptr<const SourceFile>> files;
    /// The real-time clock when the walk began (for a tree read again in part, when the walk
    /// that read its oldest unchanged files began).
    std::int64_t read_started_ns = 0;
    bool followed_links = false;  // a symbolic link was followed somewhere in it
};

/// How the build reads the file `name`: as gemtext (its name ends in ".gmi", in any case), as
/// plain text (".txt"), both of which may be documents, or as bytes to serve as they are.
enum class TextKind { none, gemtext, plain };
TextKind text_kind(std::string_view name);
inline bool is_textual(std::string_view name) { return text_kind(name) != TextKind::none; }

/// Whether the file a_dir/a_name comes before b_dir/b_name in a SourceTree's order (depth
/// first, each directory's entries sorted by name: the paths' components compared one by one).
bool walk_order_less(std::string_view a_dir, std::string_view a_name, std::string_view b_dir, std::string_view b_name);

/// Whether a file whose stamp is `now`, read before as `before` in a walk that began at
/// `read_started_ns`, may keep the bytes read then instead of being read again. Pure. Only when
/// the stamps are equal and known, and the file's last change (ctime, which no one can set) lies
/// more than the timestamps' granularity before that walk began: a write within the same tick
/// as the earlier read could otherwise leave every field unchanged (git's "racily clean" files).
/// Timestamps without nanoseconds count as 2 s coarse (FAT, some network file systems).
bool may_reuse(const FileStamp& before, const FileStamp& now, std::int64_t read_started_ns);

/// Reads every regular file below `root`. Dot-files and dot-directories are skipped (never
/// served); a symbolic link is followed when it stays inside the root, and refused when it
/// leads outside, loops or is broken; sockets, FIFOs and devices are never content. Throws
/// SourceError naming the file. With `previous` (the same root's tree from the last load), a file
/// that may_reuse allows is not read again: it is taken from there (the very same SourceFile).
SourceTree read_source_tree(const std::filesystem::path& root, const SourceTree* previous = nullptr);

/// The same tree, read again only where `changed` says (paths relative to the root, files or
/// directories, as a file watcher reported them): every other file is taken from `previous`
/// without a look. The result is the tree read_source_tree would give, provided nothing else
/// changed. Reads the whole tree instead (read_source_tree) when the previous one followed a
/// symbolic link (a change through it is reported under another name) or was read from another
/// root, or when a change cannot be placed (its directory is not in the tree, it is a link).
SourceTree read_changed_source_tree(const std::filesystem::path& root, const SourceTree& previous,
                                    const std::vector<std::string>& changed);

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
