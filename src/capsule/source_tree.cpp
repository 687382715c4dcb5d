#include "capsule/source_tree.hpp"

#include <dirent.h>
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

bool walk_order_less(std::string_view a_dir, std::string_view a_name, std::string_view b_dir, std::string_view b_name) {
    const auto next = [](std::string_view& dir, std::string_view name, bool& done) {
        if (done) return std::string_view();
        if (dir.empty()) {
            done = true;
            return name;
        }
        const std::size_t slash = dir.find('/');
        const std::string_view part = dir.substr(0, slash);
        dir = slash == std::string_view::npos ? std::string_view() : dir.substr(slash + 1);
        return part;
    };
    bool a_done = false, b_done = false;
    for (;;) {
        if (a_done || b_done) return a_done && !b_done;
        const std::string_view a = next(a_dir, a_name, a_done), b = next(b_dir, b_name, b_done);
        if (a != b) return a < b;
    }
}

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

// The file `name` in the directory `dir_fd` (or a path, with AT_FDCWD): its bytes and its stamp,
// both from one open descriptor (never a mix of two files). False with errno set when it cannot
// be opened or read.
bool read_file(int dir_fd, const char* name, std::string& bytes, FileStamp& stamp) {
    const int fd = ::openat(dir_fd, name, O_RDONLY | O_CLOEXEC | O_NOCTTY);
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

// An open directory, closed when it goes.
class Directory {
public:
    explicit Directory(int fd) : dir_(fd >= 0 ? ::fdopendir(fd) : nullptr) {
        if (fd >= 0 && !dir_) ::close(fd);
    }
    Directory(const Directory&) = delete;
    Directory& operator=(const Directory&) = delete;
    ~Directory() {
        if (dir_) ::closedir(dir_);
    }
    explicit operator bool() const { return dir_ != nullptr; }
    DIR* get() const { return dir_; }
    int fd() const { return ::dirfd(dir_); }

private:
    DIR* dir_;
};

std::string error_text(int error) { return std::system_category().message(error); }

// "capsule" + "a" → "capsule/a", as std::filesystem::path's operator/ joins them.
std::string join(const std::string& dir, const std::string& name) {
    if (dir.empty() || dir.back() == '/') return dir + name;
    return dir + '/' + name;
}

class TreeReader {
public:
    TreeReader(SourceTree& tree, const SourceTree* previous) : tree_(tree), previous_(previous) {}

    void run(const fs::path& root) {
        tree_.read_started_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                                    std::chrono::system_clock::now().time_since_epoch())
                                    .count();
        std::error_code ec;
        if (!fs::is_directory(root, ec)) throw SourceError(root.string(), 0, "capsule root is not a directory");
        canonical_root_ = fs::canonical(root, ec);
        if (ec) throw SourceError(root.string(), 0, "cannot resolve the capsule root: " + ec.message());
        tree_.root_display = root.string();
        if (previous_ && previous_->root_display != tree_.root_display) previous_ = nullptr;  // another root
        if (previous_) tree_.files.reserve(previous_->files.size());
        walk(canonical_root_, tree_.root_display, "", {});
    }

    // The tree from previous_ with only `changed` read again; false when that cannot be done
    // (the caller then reads it all).
    bool run_changed(const fs::path& root, std::vector<std::string> changed) {
        std::error_code ec;
        canonical_root_ = fs::canonical(root, ec);
        if (ec || previous_->followed_links || previous_->root_display != root.string()) return false;
        tree_.root_display = previous_->root_display;
        tree_.read_started_ns = previous_->read_started_ns;  // its unchanged files' bytes are that old
        tree_.files = previous_->files;
        tree_.directories = previous_->directories;
        // A change below another is read with it.
        std::sort(changed.begin(), changed.end());
        changed.erase(std::unique(changed.begin(), changed.end()), changed.end());
        std::vector<std::string> tops;
        for (std::string& path : changed) {
            if (path.empty()) return false;  // the root itself
            if (path.front() == '.' || path.find("/.") != std::string::npos) continue;  // never served
            if (!tops.empty() && path.starts_with(tops.back() + "/")) continue;
            tops.push_back(std::move(path));
        }
        for (const std::string& path : tops)
            if (!read_again(path)) return false;
        return true;
    }

private:
    using DirectoryId = std::pair<dev_t, ino_t>;

    // `path` (relative to the root) taken out of the tree and read again from disk as the walk
    // would: a file, a directory and everything below it, or nothing when it is gone.
    bool read_again(const std::string& path) {
        const std::size_t slash = path.rfind('/');
        const std::string rel_dir = slash == std::string::npos ? std::string() : path.substr(0, slash);
        const std::string name = slash == std::string::npos ? path : path.substr(slash + 1);
        const std::string below = path + "/";
        // What it held there: in the walk's order, the file itself and everything below it come
        // together, from where the file would be.
        const auto first = std::lower_bound(tree_.files.begin(), tree_.files.end(), 0, [&](const auto& f, int) {
            return walk_order_less(f->rel_dir, f->name, rel_dir, name);
        });
        auto last = first;
        while (last != tree_.files.end() && (((*last)->rel_dir == rel_dir && (*last)->name == name) ||
                                             (*last)->rel_dir == path || (*last)->rel_dir.starts_with(below)))
            ++last;
        tree_.files.erase(first, last);
        std::erase_if(tree_.directories, [&](const std::string& d) {
            return std::string_view(d).substr(1) == path || std::string_view(d).substr(1).starts_with(below);
        });
        if (!rel_dir.empty() && !std::binary_search(tree_.directories.begin(), tree_.directories.end(), "/" + rel_dir,
                                                    directory_order_less))
            return false;  // its directory is not in the tree: placed by a change not reported
        const fs::path target = canonical_root_ / path;
        struct stat st {};
        if (::lstat(target.c_str(), &st) != 0) return errno == ENOENT || errno == ENOTDIR;  // gone
        const std::string display = join(tree_.root_display, path);
        if (S_ISLNK(st.st_mode)) return false;
        if (S_ISREG(st.st_mode)) {
            SourceFile file{rel_dir, name, display, {}, {}};
            if (!read_file(AT_FDCWD, target.c_str(), file.bytes, file.stamp)) {
                if (errno == ENOENT) return true;  // gone meanwhile
                throw SourceError(file.display, 0, std::string("cannot read file: ") + std::strerror(errno));
            }
            const auto at = std::lower_bound(tree_.files.begin(), tree_.files.end(), 0, [&](const auto& f, int) {
                return walk_order_less(f->rel_dir, f->name, rel_dir, name);
            });
            tree_.files.insert(at, std::make_shared<const SourceFile>(std::move(file)));
        } else if (S_ISDIR(st.st_mode)) {
            SourceTree part;
            TreeReader reader(part, nullptr);
            reader.canonical_root_ = canonical_root_;
            part.root_display = tree_.root_display;
            part.directories.push_back("/" + path);
            reader.walk(target, display, path, {});
            if (part.followed_links) return false;
            const auto files_at = std::lower_bound(tree_.files.begin(), tree_.files.end(), 0, [&](const auto& f, int) {
                return walk_order_less(f->rel_dir, f->name, rel_dir, name);
            });
            tree_.files.insert(files_at, part.files.begin(), part.files.end());
            const auto dirs_at =
                std::lower_bound(tree_.directories.begin(), tree_.directories.end(), "/" + path, directory_order_less);
            tree_.directories.insert(dirs_at, part.directories.begin(), part.directories.end());
        }
        return true;  // sockets, FIFOs and devices are never content
    }

    // The order of SourceTree::directories ("/a", "/a/b", "/a/c", "/b"): the walk's.
    static bool directory_order_less(const std::string& a, const std::string& b) {
        const auto split = [](std::string_view d) {
            d.remove_prefix(1);
            const std::size_t slash = d.rfind('/');
            return slash == std::string_view::npos ? std::pair{std::string_view(), d}
                                                   : std::pair{d.substr(0, slash), d.substr(slash + 1)};
        };
        const auto [a_dir, a_name] = split(a);
        const auto [b_dir, b_name] = split(b);
        return walk_order_less(a_dir, a_name, b_dir, b_name);
    }

    // Reads the directory `dir` (a canonical path) and all below it. `ancestors`: the directories
    // that contain it, so that a symbolic link back up is refused rather than followed forever.
    void walk(const fs::path& dir, const std::string& display_dir, const std::string& rel_dir,
              std::vector<DirectoryId> ancestors) {
        const Directory directory(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
        struct stat self {};
        if (!directory || ::fstat(directory.fd(), &self) != 0)
            throw SourceError(display_dir, 0, "cannot read directory: " + error_text(errno));
        ancestors.emplace_back(self.st_dev, self.st_ino);

        std::vector<std::pair<std::string, unsigned char>> entries;  // name and readdir's type, by name
        for (;;) {
            errno = 0;
            const dirent* entry = ::readdir(directory.get());
            if (!entry) break;
            if (entry->d_name[0] == '.') continue;  // dot-files and dot-directories are private
            entries.emplace_back(entry->d_name, entry->d_type);
        }
        if (errno != 0) throw SourceError(display_dir, 0, "cannot read directory: " + error_text(errno));
        std::sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) { return a.first < b.first; });

        const int fd = directory.fd();
        for (auto& [name, d_type] : entries) {
            const std::string display = join(display_dir, name);
            unsigned char type = d_type;
            struct stat st {};
            if (type == DT_UNKNOWN) {  // some file systems leave it to a stat
                if (::fstatat(fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0)
                    throw SourceError(display, 0, "cannot read file: " + error_text(errno));
                type = S_ISLNK(st.st_mode) ? DT_LNK : S_ISDIR(st.st_mode) ? DT_DIR : S_ISREG(st.st_mode) ? DT_REG : DT_UNKNOWN;
            }
            fs::path target;  // through a symbolic link: where it leads, else empty
            if (type == DT_LNK) {
                tree_.followed_links = true;
                std::error_code ec;
                target = fs::canonical(dir / name, ec);
                if (ec) throw SourceError(display, 0, "broken symbolic link");
                if (!is_within(canonical_root_, target)) {
                    throw SourceError(display, 0, "symbolic link leads outside the capsule root (to " + target.string() + ")");
                }
                if (::stat(target.c_str(), &st) != 0) continue;  // gone meanwhile: as if it were not there
                type = S_ISDIR(st.st_mode) ? DT_DIR : S_ISREG(st.st_mode) ? DT_REG : DT_UNKNOWN;
            }
            const std::string rel = rel_dir.empty() ? name : rel_dir + "/" + name;
            if (type == DT_DIR) {
                if (!target.empty() && std::find(ancestors.begin(), ancestors.end(), DirectoryId{st.st_dev, st.st_ino}) !=
                                           ancestors.end())
                    throw SourceError(display, 0, "symbolic link loops back to a directory that contains it");
                tree_.directories.push_back("/" + rel);
                walk(target.empty() ? dir / name : target, display, rel, ancestors);
            } else if (type == DT_REG) {
                const int at = target.empty() ? fd : AT_FDCWD;
                const char* file_name = target.empty() ? name.c_str() : target.c_str();
                if (auto same = reuse(at, file_name, rel_dir, name)) {
                    tree_.files.push_back(std::move(same));
                    continue;
                }
                SourceFile file{rel_dir, name, display, {}, {}};
                if (!read_file(at, file_name, file.bytes, file.stamp))
                    throw SourceError(file.display, 0, std::string("cannot read file: ") + std::strerror(errno));
                tree_.files.push_back(std::make_shared<const SourceFile>(std::move(file)));
            }
            // Sockets, FIFOs and devices are never content.
        }
    }

    // The previous walk's file `rel_dir`/`name`, when may_reuse says its bytes are still the
    // file's; else null. `at` and `path` name it for fstatat.
    std::shared_ptr<const SourceFile> reuse(int at, const char* path, const std::string& rel_dir, const std::string& name) {
        const std::shared_ptr<const SourceFile>* before = find_before(rel_dir, name);
        if (!before) return nullptr;
        struct stat st {};
        if (::fstatat(at, path, &st, 0) != 0) return nullptr;
        if (!may_reuse((*before)->stamp, stamp_of(st), previous_->read_started_ns)) return nullptr;
        return *before;  // equal stamps: the same file, as it was read then
    }

    // The previous walk's file `rel_dir`/`name`, or null. That walk met its files in this same
    // order, so it is almost always the one after the last found; else a binary search finds it.
    const std::shared_ptr<const SourceFile>* find_before(const std::string& rel_dir, const std::string& name) {
        if (!previous_) return nullptr;
        const auto& files = previous_->files;
        const auto same = [&](std::size_t i) { return files[i]->name == name && files[i]->rel_dir == rel_dir; };
        std::size_t i = cursor_;
        if (i >= files.size() || !same(i)) {
            const auto it = std::lower_bound(files.begin(), files.end(), 0, [&](const auto& f, int) {
                return walk_order_less(f->rel_dir, f->name, rel_dir, name);
            });
            i = static_cast<std::size_t>(it - files.begin());
            if (i >= files.size() || !same(i)) return nullptr;
        }
        cursor_ = i + 1;
        return &files[i];
    }

    SourceTree& tree_;
    const SourceTree* previous_;
    std::size_t cursor_ = 0;  // where in previous_->files the next file is looked for first
    fs::path canonical_root_;
};

}  // namespace

TextKind text_kind(std::string_view name) {
    if (name.size() < 4 || name[name.size() - 4] != '.') return TextKind::none;
    std::string ext(name.substr(name.size() - 3));
    for (char& c : ext) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    if (ext == "gmi") return TextKind::gemtext;
    if (ext == "txt") return TextKind::plain;
    return TextKind::none;
}

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

SourceTree read_changed_source_tree(const std::filesystem::path& root, const SourceTree& previous,
                                    const std::vector<std::string>& changed) {
    SourceTree tree;
    if (TreeReader(tree, &previous).run_changed(root, changed)) return tree;
    return read_source_tree(root, &previous);
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
                           [&](const auto& f) { return components(f->rel_dir, f->name) >= key; });
    const bool present = it != tree.files.end() && (*it)->rel_dir == rel_dir && (*it)->name == name;
    if (!bytes) {
        if (present) tree.files.erase(it);
    } else if (present) {
        // Stamp unknown: not what is on disk, so the next load reads the file.
        *it = std::make_shared<const SourceFile>(SourceFile{rel_dir, name, (*it)->display, std::move(*bytes), {}});
    } else {
        tree.files.insert(it, std::make_shared<const SourceFile>(SourceFile{rel_dir, name, display, std::move(*bytes), {}}));
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
