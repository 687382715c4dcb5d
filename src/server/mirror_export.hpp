#pragma once
/// Writing a host's static web mirror (capsule::MirrorFiles) into its export directory, for a
/// web server to serve to HTTP feed readers and browsers.

#include <cstddef>
#include <ctime>
#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <string>

#include "capsule/capsule.hpp"

namespace kapsel::server {

class MirrorExport {
public:
    /// Manages `dir` (created when missing). Of what is in it, only the files an export wrote
    /// (listed in its manifest, `.kapsel-mirror`) are ever replaced or removed.
    explicit MirrorExport(std::filesystem::path dir);

    struct Stats {
        std::size_t written = 0, unchanged = 0, removed = 0;
    };

    /// Makes the directory hold exactly `files`: each changed file written atomically (a
    /// temporary file beside it, then rename), every unchanged one left as it is (its mtime,
    /// and so a web server's Last-Modified and ETag, stay), the files of pages that are gone
    /// removed. Throws std::runtime_error naming a file it could not write; what was written
    /// before is whole (every file is either the old one or the new one).
    Stats write(const capsule::MirrorFiles& files);

    const std::filesystem::path& directory() const { return dir_; }

private:
    bool unchanged(const std::string& path, const std::shared_ptr<const std::string>& bytes,
                   const std::set<std::string, std::less<>>& stirred);
    void write_file(const std::string& path, const std::string& bytes);
    std::set<std::string, std::less<>> read_manifest() const;
    void write_manifest(const capsule::MirrorFiles& files);

    std::filesystem::path dir_;
    std::optional<capsule::MirrorFiles> last_;  // what this object wrote last
    /// The mtime of each directory of the mirror ("" the top) when this object last wrote it.
    std::map<std::string, timespec, std::less<>> directory_times_;
};

}  // namespace kapsel::server
