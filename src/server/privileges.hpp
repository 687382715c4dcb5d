#pragma once
/// Process-level hardening: descriptor limit, dropping root, read-only file access.

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace kapsel::server {

/// Raises RLIMIT_NOFILE's soft limit so `wanted` descriptors fit; returns the limit now
/// in force (which may be lower, when the hard limit is).
std::uint64_t raise_descriptor_limit(std::uint64_t wanted);

/// When running as root: switches to `user`/`group` (group defaults to the user's), or
/// throws std::runtime_error unless `allow_root`. Does nothing for other users. Returns a
/// line to log describing what happened.
std::string drop_privileges(const std::string& user, const std::string& group, bool allow_root);

/// Best effort: where the kernel offers Landlock, limits the process to reading the given
/// paths, to creating and writing files in `writable` directories (the access log's), to
/// reading, writing, replacing and removing files and directories below `trees` (the web
/// mirrors), to creating, replacing and removing files (never directories) in `replaceable`
/// directories (Titan's upload directories and its state file's), and nothing else of the file
/// system. Returns a line to log.
std::string restrict_file_access(const std::vector<std::filesystem::path>& readable,
                                 const std::vector<std::filesystem::path>& writable = {},
                                 const std::vector<std::filesystem::path>& trees = {},
                                 const std::vector<std::filesystem::path>& replaceable = {});

}  // namespace kapsel::server
