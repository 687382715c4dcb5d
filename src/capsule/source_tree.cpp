#include "capsule/source_tree.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <unordered_map>
#include <iterator>
#include <system_error>

#include "capsule/capsule.hpp"
#include "capsule/deleted_paths.hpp"
#include "syndication/document_error.hpp"

namespace kapsel::capsule {
namespace {

namespace fs = std::filesystem;

bool is_within(const fs::path& root, const fs::path& target) {
    auto r = root.begin(), t = target.begin();
    for (; r != root.end(); ++r, ++t) {
        if (t == target.end() || *r != *t) return false;
    }
    return true;
}

FileStamp stamp_of(const struct stat& st) {
    FileStamp s;
    s.device = static_cast<std::uint64_t>(st.st_dev);
    s.inode = static_cast<std::uint64_t>(st.st_ino);
    s.size = static_cast<std::uint64_t>(st.st_size);
    s.mtime_ns = static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
    s.ctime_ns = static_cast<std::int64_t>(st.st_ctim.tv_sec) * 1'000'000'000 + st.st_ctim.tv_nsec;
    return s;
}

// The file's bytes and its stamp, both from one open descriptor (never a mix of two files).
// False with errno set when it cannot be opened or read.
bool read_file(const fs::path& path, std::string& bytes, FileStamp& stamp) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) return false;
    struct stat st {};
    bool ok = ::fstat(fd, &st) == 0;
    if (ok) {
        stamp = stamp_of(st);
        bytes.resize(static_cast<std::size_t>(st.st_size));
        std::size_t got = 0;
        for (;;) {
            if (got == bytes.size()) bytes.resize(bytes.size() + 4096);  // grew since fstat: read on
            const ssize_t n = ::read(fd, bytes.data() + got, bytes.size() - got);
            if (n < 0 && errno == EINTR) continue;
            if (n < 0) ok = false;
            if (n <= 0) break;
            got += static_cast<std::size_t>(n);
        }
        bytes.resize(got);
    }
    const int saved = errno;
    ::close(fd);
    errno = saved;
    return ok;
}

class TreeReader {
public:
    TreeReader(SourceTree& tree, const SourceTree* previous) : tree_(tree), previous_(previous) {
        if (previous_)
            for (const SourceFile& f : previous_->files) before_.emplace(f.display, &f);
    }

    void run(const fs::path& root) {
        tree_.read_started_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                                    std::chrono::system_clock::now().time_since_epoch())
                                    .count();
        std::error_code ec;
        if (!fs::is_directory(root, ec)) throw SourceError(root.string(), 0, "capsule root is not a directory");
        canonical_root_ = fs::canonical(root, ec);
        if (ec) throw SourceError(root.string(), 0, "cannot resolve the capsule root: " + ec.message());
        tree_.root_display = root.string();
        walk(canonical_root_, root, "", {canonical_root_});
    }

private:
    void walk(const fs::path& dir, const fs::path& display_dir, const std::string& rel_dir,
              std::vector<fs::path> ancestors) {
        std::vector<std::pair<std::string, fs::directory_entry>> entries;  // by name
        std::error_code ec;
        for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec))
            entries.emplace_back(it->path().filename().string(), *it);
        if (ec) throw SourceError(display_dir.string(), 0, "cannot read directory: " + ec.message());
        std::sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) { return a.first < b.first; });

        for (const auto& [name, entry] : entries) {
            if (name.starts_with('.')) continue;  // dot-files and dot-directories are private
            const fs::path display = display_dir / name;
            const std::string rel = rel_dir.empty() ? name : rel_dir + "/" + name;

            fs::path target = entry.path();
            // The type readdir gave (no stat), except through a symbolic link.
            fs::file_type type = entry.is_symlink(ec)     ? fs::file_type::symlink
                                 : entry.is_directory(ec) ? fs::file_type::directory
                                 : entry.is_regular_file(ec) ? fs::file_type::regular
                                                             : fs::file_type::unknown;
            if (type == fs::file_type::symlink) {
                target = fs::canonical(entry.path(), ec);
                if (ec) throw SourceError(display.string(), 0, "broken symbolic link");
                if (!is_within(canonical_root_, target)) {
                    throw SourceError(display.string(), 0,
                                      "symbolic link leads outside the capsule root (to " + target.string() + ")");
                }
                type = fs::status(target, ec).type();
            }
            if (type == fs::file_type::directory) {
                if (std::find(ancestors.begin(), ancestors.end(), target) != ancestors.end())
                    throw SourceError(display.string(), 0, "symbolic link loops back to a directory that contains it");
                tree_.directories.push_back("/" + rel);
                auto below = ancestors;
                below.push_back(target);
                walk(target, display, rel, std::move(below));
            } else if (type == fs::file_type::regular) {
                SourceFile file{rel_dir, name, display.string(), {}, {}};
                if (!reuse(target, file) && !read_file(target, file.bytes, file.stamp))
                    throw SourceError(file.display, 0, std::string("cannot read file: ") + std::strerror(errno));
                tree_.files.push_back(std::move(file));
            }
            // Sockets, FIFOs and devices are never content.
        }
    }

    // The previous walk's bytes of `file`, when may_reuse says they are still the file's.
    bool reuse(const fs::path& target, SourceFile& file) const {
        const auto it = before_.find(file.display);
        if (it == before_.end()) return false;
        struct stat st {};
        if (::stat(target.c_str(), &st) != 0) return false;
        const FileStamp now = stamp_of(st);
        if (!may_reuse(it->second->stamp, now, previous_->read_started_ns)) return false;
        file.bytes = it->second->bytes;
        file.stamp = now;
        return true;
    }

    SourceTree& tree_;
    const SourceTree* previous_;
    std::unordered_map<std::string_view, const SourceFile*> before_;  // previous_'s files by display
    fs::path canonical_root_;
};

}  // namespace

bool may_reuse(const FileStamp& before, const FileStamp& now, std::int64_t read_started_ns) {
    if (before.ctime_ns == 0 || !(before == now)) return false;
    // Linux stamps files from a clock that ticks every few milliseconds; 50 ms is well past
    // any tick. Whole-second stamps say the file system is coarser.
    const bool coarse = now.ctime_ns % 1'000'000'000 == 0 && now.mtime_ns % 1'000'000'000 == 0;
    const std::int64_t granularity = coarse ? 2'000'000'000 : 50'000'000;
    return now.ctime_ns < read_started_ns - granularity;
}

SourceTree read_source_tree(const std::filesystem::path& root, const SourceTree* previous) {
    SourceTree tree;
    TreeReader(tree, previous).run(root);
    return tree;
}

// The walk's order: depth first, each directory's entries sorted by name, which is the order
// of the paths' components compared one by one.
std::vector<std::string> components(const std::string& rel_dir, const std::string& name) {
    std::vector<std::string> out;
    for (std::size_t start = 0; start < rel_dir.size();) {
        const std::size_t end = std::min(rel_dir.find('/', start), rel_dir.size());
        out.push_back(rel_dir.substr(start, end - start));
        start = end + 1;
    }
    out.push_back(name);
    return out;
}

void edit_source_tree(SourceTree& tree, const std::string& rel_dir, const std::string& name, const std::string& display,
                      std::optional<std::string> bytes) {
    const auto key = components(rel_dir, name);
    auto it = std::find_if(tree.files.begin(), tree.files.end(),
                           [&](const SourceFile& f) { return components(f.rel_dir, f.name) >= key; });
    const bool present = it != tree.files.end() && it->rel_dir == rel_dir && it->name == name;
    if (!bytes) {
        if (present) tree.files.erase(it);
    } else if (present) {
        it->bytes = std::move(*bytes);
        it->stamp = {};  // not what is on disk: the next load reads the file
    } else {
        tree.files.insert(it, SourceFile{rel_dir, name, display, std::move(*bytes), {}});
    }
}

std::vector<std::string> read_deleted_paths(const std::filesystem::path& state_file) {
    std::ifstream in(state_file, std::ios::binary);
    if (!in) {
        std::error_code ec;
        if (!std::filesystem::exists(std::filesystem::symlink_status(state_file, ec))) return {};
        throw SourceError(state_file.string(), 0, "cannot open the deletions' state file");
    }
    const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    if (in.bad()) throw SourceError(state_file.string(), 0, "cannot read the deletions' state file");
    try {
        return parse_deleted_paths(text);
    } catch (const syndication::DocumentError& e) {
        throw SourceError(state_file.string(), e.line(), e.what());
    }
}

MimeTable read_mime_types() {
    MimeTable table = builtin_mime_types();
    if (std::ifstream in{"/etc/mime.types"}) {
        const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
        for (auto& [ext, type] : parse_mime_types(text)) table.insert_or_assign(ext, type);
    }
    return table;
}

}  // namespace kapsel::capsule
