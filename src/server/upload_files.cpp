#include "server/upload_files.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <random>
#include <system_error>
#include <vector>

namespace kapsel::server {
namespace {

[[noreturn]] void fail(const std::string& what) { throw std::system_error(errno, std::generic_category(), what); }

std::string temporary_name() {
    static thread_local std::mt19937_64 random{std::random_device{}()};
    static constexpr char hex[] = "0123456789abcdef";
    std::string name(upload_temporary_prefix);
    auto bits = random();
    for (int i = 0; i < 12; ++i, bits >>= 4) name += hex[bits & 15];
    return name;
}

// Writes `bytes` to a new temporary file in `dir_fd`, synced; returns its name.
std::string write_temporary(int dir_fd, const std::string& where, std::string_view bytes, mode_t mode) {
    std::string name;
    int fd = -1;
    for (int attempt = 0; fd < 0 && attempt < 8; ++attempt) {
        name = temporary_name();
        fd = ::openat(dir_fd, name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
        if (fd < 0 && errno != EEXIST) fail("cannot create a file in " + where);
    }
    if (fd < 0) fail("cannot create a file in " + where);
    ::fchmod(fd, mode);  // as the file it replaces, whatever the umask
    const auto give_up = [&](const std::string& what) {
        const int saved = errno;
        ::close(fd);
        ::unlinkat(dir_fd, name.c_str(), 0);
        errno = saved;
        fail(what);
    };
    for (std::size_t done = 0; done < bytes.size();) {
        const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) give_up("cannot write in " + where);
        done += static_cast<std::size_t>(n);
    }
    if (::fsync(fd) != 0) give_up("cannot sync a file in " + where);
    if (::close(fd) != 0) {
        const int saved = errno;
        ::unlinkat(dir_fd, name.c_str(), 0);
        errno = saved;
        fail("cannot write in " + where);
    }
    return name;
}

// Renames temporary `tmp` over `name` in `dir_fd` and syncs the directory, so the rename is on
// disk before anyone is told.
void put_in_place(int dir_fd, const std::string& where, const std::string& tmp, const std::string& name) {
    if (::renameat(dir_fd, tmp.c_str(), dir_fd, name.c_str()) != 0) {
        const int saved = errno;
        ::unlinkat(dir_fd, tmp.c_str(), 0);
        errno = saved;
        fail("cannot replace " + where + "/" + name);
    }
    if (::fsync(dir_fd) != 0) fail("cannot sync " + where);
}

std::size_t remove_leftovers_in(int dir_fd) {
    const int listing = ::openat(dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (listing < 0) return 0;
    DIR* dir = ::fdopendir(listing);
    if (!dir) {
        ::close(listing);
        return 0;
    }
    std::vector<std::string> leftovers;
    while (const dirent* entry = ::readdir(dir))
        if (std::string_view(entry->d_name).starts_with(upload_temporary_prefix)) leftovers.emplace_back(entry->d_name);
    ::closedir(dir);
    std::size_t removed = 0;
    for (const auto& name : leftovers) removed += ::unlinkat(dir_fd, name.c_str(), 0) == 0;
    if (removed) ::fsync(dir_fd);
    return removed;
}

}  // namespace

UploadDirectory::UploadDirectory(const std::filesystem::path& root, const std::string& rel_dir)
    : display_((root / rel_dir).string()) {
    fd_ = ::open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd_ < 0) fail("cannot open the capsule " + root.string());
    std::string walked;
    for (std::size_t start = 0; start < rel_dir.size();) {
        const std::size_t end = std::min(rel_dir.find('/', start), rel_dir.size());
        const std::string part = rel_dir.substr(start, end - start);
        walked += (walked.empty() ? "" : "/") + part;
        const int next = ::openat(fd_, part.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        const int error = errno;
        if (next < 0) {
            ::close(fd_);
            fd_ = -1;
            struct stat st {};
            if (error == ELOOP || error == ENOTDIR || error == ENOENT) {
                // Which of them, said in words: what is there decides (ELOOP and ENOTDIR both
                // come for a link, depending on the kernel).
                const bool link = ::lstat((root / walked).c_str(), &st) == 0 && S_ISLNK(st.st_mode);
                if (link) throw UploadRefused("/" + walked + " is a symbolic link: uploads never go through one");
                if (error == ENOENT) throw UploadRefused("/" + walked + "/ does not exist in the capsule");
                throw UploadRefused("/" + walked + " is not a directory");
            }
            errno = error;
            fail("cannot open " + (root / walked).string());
        }
        ::close(fd_);
        fd_ = next;
        start = end + 1;
    }
}

UploadDirectory::~UploadDirectory() {
    if (fd_ >= 0) ::close(fd_);
}

UploadDirectory::Kind UploadDirectory::kind(const std::string& name) const {
    struct stat st {};
    if (::fstatat(fd_, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
        if (errno == ENOENT) return Kind::missing;
        fail("cannot look at " + display_ + "/" + name);
    }
    if (S_ISLNK(st.st_mode)) return Kind::symbolic_link;
    if (S_ISDIR(st.st_mode)) return Kind::directory;
    if (S_ISREG(st.st_mode)) return Kind::file;
    return Kind::other;
}

std::string UploadDirectory::read(const std::string& name) const {
    const int fd = ::openat(fd_, name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) fail("cannot open " + display_ + "/" + name);
    std::string bytes;
    char buffer[65536];
    for (;;) {
        const ssize_t n = ::read(fd, buffer, sizeof buffer);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            const int saved = errno;
            ::close(fd);
            errno = saved;
            fail("cannot read " + display_ + "/" + name);
        }
        if (n == 0) break;
        bytes.append(buffer, static_cast<std::size_t>(n));
    }
    ::close(fd);
    return bytes;
}

void UploadDirectory::write(const std::string& name, std::string_view bytes) {
    struct stat st {};
    const mode_t mode = ::fstatat(fd_, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode)
                            ? st.st_mode & 07777
                            : 0644;
    const std::string tmp = write_temporary(fd_, display_, bytes, mode);
    put_in_place(fd_, display_, tmp, name);
}

void UploadDirectory::remove(const std::string& name) {
    if (::unlinkat(fd_, name.c_str(), 0) != 0) fail("cannot remove " + display_ + "/" + name);
    if (::fsync(fd_) != 0) fail("cannot sync " + display_);
}

std::size_t UploadDirectory::remove_leftovers() { return remove_leftovers_in(fd_); }

void replace_file(const std::filesystem::path& file, std::string_view bytes) {
    const auto dir = file.parent_path();
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    const int dir_fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir_fd < 0) fail("cannot open " + dir.string());
    try {
        struct stat st {};
        const mode_t mode = ::stat(file.c_str(), &st) == 0 ? st.st_mode & 07777 : 0644;
        const std::string tmp = write_temporary(dir_fd, dir.string(), bytes, mode);
        put_in_place(dir_fd, dir.string(), tmp, file.filename().string());
    } catch (...) {
        ::close(dir_fd);
        throw;
    }
    ::close(dir_fd);
}

std::size_t remove_upload_leftovers(const std::filesystem::path& dir) {
    const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return 0;
    const std::size_t removed = remove_leftovers_in(fd);
    ::close(fd);
    return removed;
}

}  // namespace kapsel::server
