#pragma once
/// One host's OpenSSL context: protocol floor, ciphers, groups, its certificate and key,
/// session tickets, client certificates. Asio-free; include from src/net, src/server, bench.

#include <openssl/ssl.h>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>
#include <sys/stat.h>

namespace kapsel::net {

class TicketKeys;

/// What every host's context shares.
struct TlsOptions {
    unsigned session_tickets = 1;         // TLS 1.3 tickets per handshake; 0: no resumption
    TicketKeys* ticket_keys = nullptr;    // required when session_tickets > 0; must outlive the context
    bool request_client_certificates = false;  // ask for one (any, self-signed included) in every handshake
    std::string groups;                   // key exchange groups, "A:B:C"; empty: default_groups()

    friend bool operator==(const TlsOptions&, const TlsOptions&) = default;
};

/// The key exchange groups offered when tls.groups is unset: the hybrid post-quantum
/// X25519MLKEM768 first where this OpenSSL has it (3.5 and later: Debian 13), then
/// X25519, P-256 and P-384.
const std::string& default_groups();

/// The first of `groups` that this OpenSSL cannot offer (unknown or not built in), if any.
std::optional<std::string> unsupported_group(const std::vector<std::string>& groups);

/// A file's identity and last change, to tell whether it is worth reading again.
struct FileStamp {
    dev_t device = 0;
    ino_t inode = 0;
    off_t size = 0;
    std::int64_t mtime_ns = 0;

    static FileStamp of(const std::filesystem::path& file);  // all zero when it cannot be stat'ed
    friend bool operator==(const FileStamp&, const FileStamp&) = default;
};

class TlsContext {
public:
    /// Loads `certificate` (a PEM chain) and `key` and sets TLS ≥ 1.2 (1.3 preferred), no
    /// compression, no renegotiation, forward-secret AEAD ciphers only, X25519 first,
    /// stateless session tickets. Throws std::runtime_error naming the file and the reason
    /// (unreadable, not PEM, key and certificate that do not match).
    TlsContext(const std::filesystem::path& certificate, const std::filesystem::path& key, const TlsOptions& options);
    ~TlsContext();
    TlsContext(const TlsContext&) = delete;
    TlsContext& operator=(const TlsContext&) = delete;

    SSL_CTX* native() const { return ctx_; }
    const std::string& fingerprint() const { return fingerprint_; }  // SHA-256, "AB:CD:..."
    const std::string& not_after() const { return not_after_; }
    /// True when the files and options are those this context was made from.
    bool same_source(const std::filesystem::path& certificate, const std::filesystem::path& key,
                     const TlsOptions& options) const;

private:
    SSL_CTX* ctx_;
    std::filesystem::path certificate_, key_;
    FileStamp certificate_stamp_, key_stamp_;
    TlsOptions options_;
    std::string fingerprint_, not_after_;
};

}  // namespace kapsel::net
