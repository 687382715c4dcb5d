#include "server/preflight.hpp"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "net/certificate.hpp"
#include "net/session_tickets.hpp"
#include "net/tls_context.hpp"

namespace kapsel::server {
namespace {

/// The account that will write files once serving: server.user when started as root, else
/// whoever runs this.
struct Account {
    std::string name;  // empty: the current process
    uid_t uid = 0;
    std::vector<gid_t> groups;
};

std::optional<Account> serving_account(const config::Config& c) {
    const auto& s = c.server;
    if (!s.user.empty() && ::getpwnam(s.user.c_str()) == nullptr)
        throw c.error_at("server.user", "server.user: no such user '" + s.user + "'");
    const struct group* gr = s.group.empty() ? nullptr : ::getgrnam(s.group.c_str());
    if (!s.group.empty() && !gr) throw c.error_at("server.group", "server.group: no such group '" + s.group + "'");
    if (::geteuid() != 0) return std::nullopt;  // files are checked as this process
    if (s.user.empty()) {
        if (s.allow_root) return Account{"root", 0, {0}};
        throw c.error_at("server.user",
                         "refusing to serve as root: set server.user (and server.group) to an unprivileged account, "
                         "or server.allow_root = true");
    }
    const passwd* pw = ::getpwnam(s.user.c_str());
    if (pw->pw_uid == 0 && !s.allow_root) throw c.error_at("server.user", "server.user '" + s.user + "' is root");
    return Account{s.user, pw->pw_uid, {gr ? gr->gr_gid : pw->pw_gid}};
}

/// Whether `account` may do `want` (W_OK, X_OK bits) on `path`, from its mode bits (ACLs are
/// not consulted); for the current process, the kernel's own answer.
bool allowed(const std::optional<Account>& account, const std::filesystem::path& path, int want) {
    if (!account) return ::faccessat(AT_FDCWD, path.c_str(), want, AT_EACCESS) == 0;
    if (account->uid == 0) return true;
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) return false;
    int bits = 0;
    if (st.st_uid == account->uid) bits = static_cast<int>(st.st_mode >> 6) & 7;
    else if (std::find(account->groups.begin(), account->groups.end(), st.st_gid) != account->groups.end())
        bits = static_cast<int>(st.st_mode >> 3) & 7;
    else bits = static_cast<int>(st.st_mode) & 7;
    return (bits & want) == want;
}

std::string who(const std::optional<Account>& account) {
    return account ? "user " + account->name : "this user";
}

void check_access_log(const config::Config& c, const std::optional<Account>& account) {
    const auto& target = c.log.access_log;
    if (target.kind != config::AccessLogTarget::Kind::file) return;
    const auto dir = target.file.parent_path();
    std::error_code ec;
    if (!std::filesystem::is_directory(dir, ec))
        throw c.error_at("log.access_log", "log.access_log: the directory " + dir.string() + " does not exist");
    // The file is opened as the serving account, and reopened as it after every rotation
    // (mv access.log access.log.1 && kill -HUP): that account must be able to create it.
    if (!allowed(account, dir, W_OK | X_OK)) {
        const std::string name = account ? account->name : "the user kapsel runs as";
        throw c.error_at("log.access_log", "log.access_log: " + dir.string() + " is not writable by " + who(account) +
                                               ", who opens the log and reopens it after each rotation; make it "
                                               "writable (e.g. chown " + name + " " + dir.string() +
                                               "), or log to \"stderr\"");
    }
    if (std::filesystem::exists(target.file, ec) && !allowed(account, target.file, W_OK))
        throw c.error_at("log.access_log", "log.access_log: " + target.file.string() + " is not writable by " +
                                               who(account) + "; fix its owner or mode, or remove it");
}

// Each web mirror is written (and its directory made) by the serving account.
void check_export_dirs(const config::Config& c, const std::optional<Account>& account) {
    for (const auto& host : c.hosts) {
        if (!host.web) continue;
        const std::string key = host.key_name("web.export_dir");
        std::error_code ec;
        auto existing = std::filesystem::absolute(host.web->export_dir, ec);
        while (!std::filesystem::exists(existing, ec) && existing.has_parent_path() && existing != existing.parent_path())
            existing = existing.parent_path();
        if (!std::filesystem::is_directory(existing, ec))
            throw c.error_at(key, key + ": " + existing.string() + " is not a directory");
        if (!allowed(account, existing, W_OK | X_OK))
            throw c.error_at(key, key + ": " + existing.string() + " is not writable by " + who(account) +
                                      ", who writes the web mirror " +
                                      (existing == host.web->export_dir ? "there" : "(and makes " +
                                                                                        host.web->export_dir.string() + ")") +
                                      "; make it writable (e.g. chown " + (account ? account->name : "USER") + " " +
                                      existing.string() + ")");
    }
}

void check_tls(const config::Config& c) {
    for (const auto& host : c.hosts)
        if (const auto problem = net::inspect_certificate(host.certificate, host.key))
            throw c.error_at(host.key_name(problem->about_key ? "key" : "certificate"), problem->message);
    if (c.tls.ticket_key_file && c.tls.session_tickets > 0)
        if (const auto why = net::TicketKeys::check_file(*c.tls.ticket_key_file))
            throw c.error_at("tls.ticket_key_file", *why);
    if (const auto group = net::unsupported_group(c.tls.groups))
        throw c.error_at("tls.groups", "tls.groups: \"" + *group + "\" is not a key exchange group " +
                                           OpenSSL_version(OPENSSL_VERSION) + " offers (the default: " +
                                           net::default_groups() + ")");
}

// Titan's directories: each of titan.paths a real directory below the root (reached through
// no symbolic link: uploads never go through one) that the serving account can write in, and
// the state file's directory writable, or makeable where it is missing.
void check_titan(const config::Config& c, const std::optional<Account>& account) {
    for (const auto& host : c.hosts) {
        if (!host.titan.enabled) continue;
        for (const auto& rel : host.titan.paths) {
            std::filesystem::path dir = host.root;
            for (const auto& part : std::filesystem::path(rel)) {
                dir /= part;
                struct stat st {};
                if (::lstat(dir.c_str(), &st) != 0)
                    throw c.error_at(host.key_name("titan.paths"), host.key_name("titan.paths") + ": " + dir.string() +
                                                                       " does not exist");
                if (S_ISLNK(st.st_mode))
                    throw c.error_at(host.key_name("titan.paths"),
                                     host.key_name("titan.paths") + ": " + dir.string() +
                                         " is a symbolic link, and uploads never go through one");
                if (!S_ISDIR(st.st_mode))
                    throw c.error_at(host.key_name("titan.paths"),
                                     host.key_name("titan.paths") + ": " + dir.string() + " is not a directory");
            }
            if (!allowed(account, dir, W_OK | X_OK))
                throw c.error_at(host.key_name("titan.paths"), host.key_name("titan.paths") + ": " + dir.string() +
                                                                   " is not writable by " + who(account) +
                                                                   ", who writes the uploads");
        }
        // The nearest directory that exists: the state file's own, or where serve will make it.
        std::filesystem::path dir = host.titan.state_file.parent_path();
        std::error_code ec;
        while (!std::filesystem::exists(dir, ec) && dir.has_relative_path()) dir = dir.parent_path();
        if (!allowed(account, dir, W_OK | X_OK))
            throw c.error_at(host.key_name("titan.state_file"),
                             host.key_name("titan.state_file") + ": " + dir.string() + " is not writable by " +
                                 who(account) + ", who keeps the deleted paths in " + host.titan.state_file.string());
    }
}

}  // namespace

void preflight(const config::Config& config) {
    const auto account = serving_account(config);
    check_access_log(config, account);
    check_export_dirs(config, account);
    check_tls(config);
    check_titan(config, account);
}

}  // namespace kapsel::server
