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

// "a/b/c.html" → "a/b"; "index.html" → "".
std::string_view parent_of(std::string_view path) {
    const auto slash = path.rfind('/');
    return slash == std::string_view::npos ? std::string_view() : path.substr(0, slash);
}

std::optional<timespec> modified(const fs::path& dir) {
    struct stat st {};
    if (::lstat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) return std::nullopt;
    return st.st_mtim;
}

bool same_time(const timespec& a, const timespec& b) { return a.tv_sec == b.tv_sec && a.tv_nsec == b.tv_nsec; }

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

bool MirrorExport::unchanged(const std::string& path, const std::shared_ptr<const std::string>& bytes,
                             const std::set<std::string, std::less<>>& stirred) {
    if (last_) {
        // What this process wrote last: the same bytes (often the very same buffer) need nothing,
        // as long as the file is still there as written. A file someone removed or replaced (a
        // cleaned-out directory, a sync with --delete) changed its directory's mtime: in such
        // a directory each file is looked at (one lstat), and written again when it is gone.
        const auto it = last_->find(path);
        if (it == last_->end() || (it->second != bytes && *it->second != *bytes)) return false;
        if (!stirred.contains(parent_of(path))) return true;
        struct stat st {};
        return ::lstat((dir_ / path).c_str(), &st) == 0 && S_ISREG(st.st_mode) &&
               static_cast<std::size_t>(st.st_size) == bytes->size();
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

std::set<std::string, std::less<>> MirrorExport::read_manifest() const {
    std::set<std::string, std::less<>> paths;
    std::ifstream in(dir_ / manifest_name);
    // The first line is a comment for whoever looks into the directory, never a path: counted
    // as one, the set of files would always look changed (the manifest rewritten on every
    // reload) and a file of that name would be removed.
    bool first = true;
    for (std::string line; std::getline(in, line); first = false)
        if (!(first && line.starts_with('#')) && safe_relative(line)) paths.insert(line);
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
    // What is there from before: this object's last export, or, the first time in this
    // process, what the manifest lists.
    std::set<std::string, std::less<>> manifest;
    std::vector<std::string_view> before;  // sorted, as both maps and sets are
    if (last_) {
        for (const auto& entry : *last_) before.push_back(entry.first);
    } else {
        manifest = read_manifest();
        before.assign(manifest.begin(), manifest.end());
    }
    // Directories whose entries changed since this object last wrote them (or that it never wrote).
    std::set<std::string, std::less<>> stirred;
    for (const auto& [dir, when] : directory_times_) {
        const auto now = modified(dir_ / dir);
        if (!now || !same_time(*now, when)) stirred.emplace(dir);
    }
    for (const auto& [path, bytes] : files) {
        if (!safe_relative(path)) fail(dir_ / path, "not a path inside the mirror");
        if (!directory_times_.contains(parent_of(path))) stirred.emplace(parent_of(path));
        if (unchanged(path, bytes, stirred)) {
            ++stats.unchanged;
            continue;
        }
        write_file(path, *bytes);
        ++stats.written;
    }
    // Pages that disappeared: their files go, and the directories they leave empty. Both
    // lists are sorted: one walk finds what the new one lacks, and whether they differ at all.
    bool same_set = before.size() == files.size();
    auto next = files.begin();
    for (const std::string_view path : before) {
        while (next != files.end() && next->first < path) {
            same_set = false;
            ++next;
        }
        if (next != files.end() && next->first == path) {
            ++next;
            continue;
        }
        same_set = false;
        const fs::path file = dir_ / path;
        if (fs::is_regular_file(fs::symlink_status(file, ec)) && fs::remove(file, ec)) ++stats.removed;
        for (fs::path d = file.parent_path(); d != dir_ && d.string().starts_with(dir_.string()); d = d.parent_path())
            if (!fs::remove(d, ec)) break;  // not empty (or not ours): stop
    }
    if (!same_set) write_manifest(files);  // untouched when the set of files is the same
    last_ = files;
    // Every directory as this export leaves it, so the next one sees what others changed.
    directory_times_.clear();
    for (const auto& entry : files) {
        const std::string_view dir = parent_of(entry.first);
        if (directory_times_.contains(dir)) continue;
        if (const auto when = modified(dir_ / dir)) directory_times_.emplace(std::string(dir), *when);
    }
    return stats;
}

}  // namespace kapsel::server
