#include "server/privileges.hpp"

#include <fcntl.h>
#include <grp.h>
#include <linux/landlock.h>
#include <pwd.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <system_error>
#include <utility>

namespace kapsel::server {

std::uint64_t raise_descriptor_limit(std::uint64_t wanted) {
    rlimit limit{};
    if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return 0;
    if (limit.rlim_cur >= wanted) return limit.rlim_cur;
    limit.rlim_cur = std::min<rlim_t>(wanted, limit.rlim_max);
    ::setrlimit(RLIMIT_NOFILE, &limit);
    ::getrlimit(RLIMIT_NOFILE, &limit);
    return limit.rlim_cur;
}

std::string drop_privileges(const std::string& user, const std::string& group, bool allow_root) {
    if (::geteuid() != 0)
        return user.empty() ? "" : "not started as root: server.user '" + user + "' does not apply";
    if (user.empty()) {
        if (allow_root) return "running as root (server.allow_root = true)";
        throw std::runtime_error(
            "refusing to serve as root: set server.user (and server.group) to an unprivileged account, "
            "or server.allow_root = true");
    }
    errno = 0;
    const passwd* pw = ::getpwnam(user.c_str());
    if (!pw) throw std::runtime_error("server.user: no such user '" + user + "'");
    const uid_t uid = pw->pw_uid;
    gid_t gid = pw->pw_gid;
    if (!group.empty()) {
        const struct group* gr = ::getgrnam(group.c_str());
        if (!gr) throw std::runtime_error("server.group: no such group '" + group + "'");
        gid = gr->gr_gid;
    }
    if (uid == 0 && !allow_root) throw std::runtime_error("server.user '" + user + "' is root");
    if (::setgroups(1, &gid) != 0 || ::setgid(gid) != 0 || ::setuid(uid) != 0)
        throw std::system_error(errno, std::generic_category(), "dropping privileges to " + user);
    if (::setuid(0) == 0) throw std::runtime_error("could still regain root after dropping privileges");
#if defined(__SANITIZE_ADDRESS__)
    // Sanitizer builds only: LeakSanitizer reads /proc/self at exit, which a process that
    // changed its uid may not do unless it stays dumpable.
    ::prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
#endif
    return "switched to user " + user + " (uid " + std::to_string(uid) + ", gid " + std::to_string(gid) + ")";
}

std::string restrict_file_access(const std::vector<std::filesystem::path>& readable,
                                 const std::vector<std::filesystem::path>& writable,
                                 const std::vector<std::filesystem::path>& trees,
                                 const std::vector<std::filesystem::path>& replaceable) {
#ifdef LANDLOCK_CREATE_RULESET_VERSION
    const long abi = ::syscall(SYS_landlock_create_ruleset, nullptr, 0, LANDLOCK_CREATE_RULESET_VERSION);
    if (abi < 1) return "Landlock not available (" + std::string(std::strerror(errno)) + "): file access not restricted";
    landlock_ruleset_attr attr{};
    // Rights of later Landlock versions, by value: Debian 12's headers predate them.
    constexpr std::uint64_t fs_truncate = 1ULL << 14;   // ABI 3
    constexpr std::uint64_t fs_ioctl_dev = 1ULL << 15;  // ABI 5
    attr.handled_access_fs = LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_WRITE_FILE |
                             LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR |
                             LANDLOCK_ACCESS_FS_REMOVE_DIR | LANDLOCK_ACCESS_FS_REMOVE_FILE |
                             LANDLOCK_ACCESS_FS_MAKE_CHAR | LANDLOCK_ACCESS_FS_MAKE_DIR |
                             LANDLOCK_ACCESS_FS_MAKE_REG | LANDLOCK_ACCESS_FS_MAKE_SOCK |
                             LANDLOCK_ACCESS_FS_MAKE_FIFO | LANDLOCK_ACCESS_FS_MAKE_BLOCK |
                             LANDLOCK_ACCESS_FS_MAKE_SYM;
    if (abi >= 3) attr.handled_access_fs |= fs_truncate;
    if (abi >= 5) attr.handled_access_fs |= fs_ioctl_dev;
    const int ruleset = static_cast<int>(::syscall(SYS_landlock_create_ruleset, &attr, sizeof attr, 0));
    if (ruleset < 0) return "Landlock ruleset refused (" + std::string(std::strerror(errno)) + ")";
    std::vector<std::pair<std::filesystem::path, std::uint64_t>> rules;
    for (const auto& path : readable) rules.emplace_back(path, LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR);
    for (const auto& path : writable)
        rules.emplace_back(path, LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_MAKE_REG | LANDLOCK_ACCESS_FS_READ_DIR);
    for (const auto& path : trees)
        rules.emplace_back(path, LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR | LANDLOCK_ACCESS_FS_WRITE_FILE |
                                     LANDLOCK_ACCESS_FS_MAKE_REG | LANDLOCK_ACCESS_FS_MAKE_DIR |
                                     LANDLOCK_ACCESS_FS_REMOVE_FILE | LANDLOCK_ACCESS_FS_REMOVE_DIR |
                                     (abi >= 3 ? fs_truncate : 0));
    for (const auto& path : replaceable)
        rules.emplace_back(path, LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR | LANDLOCK_ACCESS_FS_WRITE_FILE |
                                     LANDLOCK_ACCESS_FS_MAKE_REG | LANDLOCK_ACCESS_FS_REMOVE_FILE);
    for (const auto& [path, access] : rules) {
        landlock_path_beneath_attr rule{};
        rule.allowed_access = access;
        rule.parent_fd = ::open(path.c_str(), O_PATH | O_CLOEXEC);
        if (rule.parent_fd < 0) continue;
        struct stat st {};
        if (::fstat(rule.parent_fd, &st) == 0 && !S_ISDIR(st.st_mode))
            rule.allowed_access &= LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_WRITE_FILE;
        const long added = ::syscall(SYS_landlock_add_rule, ruleset, LANDLOCK_RULE_PATH_BENEATH, &rule, 0);
        const int add_error = errno;
        ::close(rule.parent_fd);
        if (added != 0) {
            ::close(ruleset);
            return "Landlock rule for " + path.string() + " refused (" + std::strerror(add_error) +
                   "): file access not restricted";
        }
    }
    if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
        ::syscall(SYS_landlock_restrict_self, ruleset, 0) != 0) {
        const std::string why = std::strerror(errno);
        ::close(ruleset);
        return "Landlock could not be applied (" + why + ")";
    }
    ::close(ruleset);
    std::string list;
    for (const auto& p : readable) list += (list.empty() ? "" : ", ") + p.string();
    std::string line = "Landlock: file system limited to reading " + list;
    for (const auto& p : writable) line += "; writing files in " + p.string();
    for (const auto& p : trees) line += "; writing below " + p.string();
    for (const auto& p : replaceable) line += "; replacing files in " + p.string();
    return line;
#else
    (void)readable;
    (void)writable;
    (void)trees;
    (void)replaceable;
    return "Landlock headers missing at build time: file access not restricted";
#endif
}

}  // namespace kapsel::server
