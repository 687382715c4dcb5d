#pragma once
/// The files an upload touches: opened relative to a directory descriptor, never through a
/// symbolic link below the capsule root, and replaced atomically (a temporary file beside the
/// target, fsync, rename, fsync of the directory), so that a crash at any moment leaves the old
/// file or the new one, and never part of one.

#include <cstddef>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace kapsel::server {

/// Temporary files are named this and a random suffix: a dot-file, which neither the capsule
/// loader nor the watcher ever looks at, and which the start removes when a crash left one.
inline constexpr std::string_view upload_temporary_prefix = ".kapsel-upload-";

/// What is on the way or at the target that an upload may not go through or replace: a
/// symbolic link, something that is no directory or no regular file. what() is the META of
/// the 59 that says so.
class UploadRefused : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// One directory of titan.paths, opened for an upload.
class UploadDirectory {
public:
    /// Opens `root`/`rel_dir`: the root as configured, each component below it without following
    /// a symbolic link. Throws UploadRefused when a component is a link or no directory or is
    /// missing, std::system_error when it cannot be opened otherwise.
    UploadDirectory(const std::filesystem::path& root, const std::string& rel_dir);
    ~UploadDirectory();
    UploadDirectory(const UploadDirectory&) = delete;
    UploadDirectory& operator=(const UploadDirectory&) = delete;

    enum class Kind { missing, file, symbolic_link, directory, other };
    /// What `name` is in the directory, not following a link.
    Kind kind(const std::string& name) const;
    /// The bytes of regular file `name` (opened without following a link); throws
    /// std::system_error when it cannot be read.
    std::string read(const std::string& name) const;
    /// Replaces (or creates) `name` with `bytes` atomically, keeping the mode of the file it
    /// replaces; throws std::system_error naming what failed, the temporary file removed.
    void write(const std::string& name, std::string_view bytes);
    /// Removes `name` and syncs the directory; throws std::system_error.
    void remove(const std::string& name);
    /// Removes the temporary files an upload cut short left here; returns how many.
    std::size_t remove_leftovers();

private:
    int fd_ = -1;
    std::string display_;  // "capsule/artiklar", for messages
};

/// Replaces `file` with `bytes` atomically, in its directory (made when missing): the state file.
/// Throws std::system_error.
void replace_file(const std::filesystem::path& file, std::string_view bytes);

/// Removes the temporary files a cut-short upload left in `dir` (not following links); returns
/// how many, 0 when `dir` is missing.
std::size_t remove_upload_leftovers(const std::filesystem::path& dir);

}  // namespace kapsel::server
