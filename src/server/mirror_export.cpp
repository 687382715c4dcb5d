#include "server/mirror_export.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <stdexcept>

namespace kapsel::server {
namespace {

namespace fs = std::filesystem;

constexpr const char* manifest_name = ".kapsel-mirror";

// Mirror paths come from capsule paths, which are normalised; refuse anything else anyway, so
// that nothing outside the directory can ever be written.
bool safe_relative(std::string_view path) {
    if (path.empty() || path.front() == '/' || path.front() == '.') return false;
    for (std::size_t start = 0; start <= path.size();) {
        std::size_t end = path.find('/', start);
        if (end == std::string_view::npos) end = path.size();
        const std::string_view segment = path.substr(start, end - start);
        if (segment.empty() || segment == "." || segment == ".." || segment.front() == '.') return false;
        start = end + 1;
    }
    return true;
}

[[noreturn]] void fail(const fs::path& file, const std::string& why) {
    throw std::runtime_error(file.string() + ": " + why);
}

std::optional<std::string> read_whole(const fs::path& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in) return std::nullopt;
    return std::string{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace

MirrorExport::MirrorExport(fs::path dir) : dir_(std::move(dir)) {}

bool MirrorExport::unchanged(const std::string& path, const std::shared_ptr<const std::string>& bytes) {
    if (last_) {
        // What this process wrote last: the same bytes (often the very same buffer) need nothing.
        const auto it = last_->find(path);
        return it != last_->end() && (it->second == bytes || *it->second == *bytes);
    }
    // The first export of this process: what is on disk decides.
    const auto on_disk = read_whole(dir_ / path);
    return on_disk && *on_disk == *bytes;
}

void MirrorExport::write_file(const std::string& path, const std::string& bytes) {
    const fs::path target = dir_ / path;
    std::error_code ec;
    fs::create_directories(target.parent_path(), ec);
    if (ec) fail(target.parent_path(), "cannot create the directory: " + ec.message());
    const fs::path tmp = target.parent_path() / ("." + target.filename().string() + ".kapsel-tmp");
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (fd < 0) fail(tmp, std::string("cannot write: ") + std::strerror(errno));
    ::fchmod(fd, 0644);
    std::size_t done = 0;
    while (done < bytes.size()) {
        const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            const std::string why = std::strerror(errno);
            ::close(fd);
            ::unlink(tmp.c_str());
            fail(tmp, "cannot write: " + why);
        }
        done += static_cast<std::size_t>(n);
    }
    if (::close(fd) != 0 || ::rename(tmp.c_str(), target.c_str()) != 0) {
        const std::string why = std::strerror(errno);
        ::unlink(tmp.c_str());
        fail(target, "cannot write: " + why);
    }
}

std::set<std::string> MirrorExport::read_manifest() const {
    std::set<std::string> paths;
    std::ifstream in(dir_ / manifest_name);
    for (std::string line; std::getline(in, line);)
        if (safe_relative(line)) paths.insert(line);
    return paths;
}

void MirrorExport::write_manifest(const capsule::MirrorFiles& files) {
    std::string text = "# The files kapsel's web mirror wrote here (kapsel export, [web]). Others stay untouched.\n";
    for (const auto& [path, bytes] : files) text += path + "\n";
    write_file(manifest_name, text);
}

MirrorExport::Stats MirrorExport::write(const capsule::MirrorFiles& files) {
    Stats stats;
    std::error_code ec;
    fs::create_directories(dir_, ec);
    if (ec) fail(dir_, "cannot create the web mirror's directory: " + ec.message());
    const std::set<std::string> before = read_manifest();
    for (const auto& [path, bytes] : files) {
        if (!safe_relative(path)) fail(dir_ / path, "not a path inside the mirror");
        if (unchanged(path, bytes)) {
            ++stats.unchanged;
            continue;
        }
        write_file(path, *bytes);
        ++stats.written;
    }
    // Pages that disappeared: their files go, and the directories they leave empty.
    for (const std::string& path : before) {
        if (files.contains(path)) continue;
        const fs::path file = dir_ / path;
        if (fs::is_regular_file(fs::symlink_status(file, ec)) && fs::remove(file, ec)) ++stats.removed;
        for (fs::path d = file.parent_path(); d != dir_ && d.string().starts_with(dir_.string()); d = d.parent_path())
            if (!fs::remove(d, ec)) break;  // not empty (or not ours): stop
    }
    std::set<std::string> now;
    for (const auto& entry : files) now.insert(entry.first);
    if (now != before) write_manifest(files);  // untouched when the set of files is the same
    last_ = files;
    return stats;
}

}  // namespace kapsel::server
