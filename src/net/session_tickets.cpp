#include "net/session_tickets.hpp"

#include <fcntl.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>

namespace kapsel::net {
namespace {

int ex_data_index() {
    static const int index = SSL_CTX_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
    return index;
}

[[noreturn]] void fail(const std::filesystem::path& file, const std::string& why) {
    throw std::runtime_error(file.string() + ": " + why);
}

/// The whole file, which must hold 1 to max_keys keys of key_size bytes.
std::string read_key_file(const std::filesystem::path& file) {
    const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) fail(file, std::string("cannot read the ticket key file: ") + std::strerror(errno));
    std::string bytes;
    char buf[4096];
    for (;;) {
        const ssize_t n = ::read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        bytes.append(buf, static_cast<std::size_t>(n));
        if (bytes.size() > TicketKeys::key_size * TicketKeys::max_keys) break;
    }
    ::close(fd);
    if (bytes.empty() || bytes.size() % TicketKeys::key_size != 0 ||
        bytes.size() > TicketKeys::key_size * TicketKeys::max_keys) {
        OPENSSL_cleanse(bytes.data(), bytes.size());
        fail(file, "a ticket key file holds 1 to 16 keys of exactly 80 bytes each, " + std::to_string(bytes.size()) +
                       " bytes here (make one with `kapsel ticket-keys rotate FILE` or `openssl rand 80`)");
    }
    return bytes;
}

std::string random_key() {
    std::string key(TicketKeys::key_size, '\0');
    if (RAND_priv_bytes(reinterpret_cast<unsigned char*>(key.data()), static_cast<int>(key.size())) != 1)
        throw std::runtime_error("no random bytes for a session-ticket key");
    return key;
}

/// Writes `bytes` to `file` through a temporary file in its directory, so a reader sees the
/// old keys or the new ones, never a part.
void write_atomically(const std::filesystem::path& file, const std::string& bytes) {
    if (file.has_parent_path()) std::filesystem::create_directories(file.parent_path());
    const std::filesystem::path tmp = file.string() + ".tmp-" + std::to_string(::getpid());
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) fail(tmp, std::string("cannot create: ") + std::strerror(errno));
    ::fchmod(fd, 0600);
    bool ok = ::write(fd, bytes.data(), bytes.size()) == static_cast<ssize_t>(bytes.size()) && ::fsync(fd) == 0;
    ok = ::close(fd) == 0 && ok;
    if (!ok || ::rename(tmp.c_str(), file.c_str()) != 0) {
        const std::string why = std::strerror(errno);
        ::unlink(tmp.c_str());
        fail(file, "cannot write the ticket key file: " + why);
    }
}

}  // namespace

TicketKeys::Key::~Key() { OPENSSL_cleanse(this, sizeof *this); }

TicketKeys::TicketKeys(const std::optional<std::filesystem::path>& file) : file_(file) {
    std::string bytes;
    if (file && std::filesystem::exists(*file)) {
        bytes = read_key_file(*file);
    } else {
        bytes = random_key();
        if (file) {
            // O_EXCL: a file another replica made meanwhile wins; read it instead.
            if (file->has_parent_path()) std::filesystem::create_directories(file->parent_path());
            const int fd = ::open(file->c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
            if (fd >= 0) {
                ::fchmod(fd, 0600);
                const bool ok = ::write(fd, bytes.data(), bytes.size()) == static_cast<ssize_t>(bytes.size());
                ::close(fd);
                if (!ok) fail(*file, "cannot write the ticket key file");
            } else if (errno == EEXIST) {
                bytes = read_key_file(*file);
            } else {
                fail(*file, std::string("cannot create the ticket key file: ") + std::strerror(errno));
            }
        }
    }
    auto set = std::make_shared<KeySet>(bytes.size() / key_size);
    for (std::size_t i = 0; i < set->size(); ++i) {
        const char* k = bytes.data() + i * key_size;
        std::memcpy((*set)[i].name.data(), k, 16);
        std::memcpy((*set)[i].aes.data(), k + 16, 32);
        std::memcpy((*set)[i].hmac.data(), k + 48, 32);
    }
    OPENSSL_cleanse(bytes.data(), bytes.size());
    keys_.store(std::move(set));
}

std::size_t TicketKeys::reload() {
    if (!file_) return size();
    TicketKeys fresh(file_);
    keys_.store(fresh.keys_.load());
    return size();
}

std::size_t TicketKeys::size() const { return keys_.load()->size(); }

std::optional<std::string> TicketKeys::check_file(const std::filesystem::path& file) {
    std::error_code ec;
    if (!std::filesystem::exists(file, ec)) return std::nullopt;
    try {
        std::string bytes = read_key_file(file);
        OPENSSL_cleanse(bytes.data(), bytes.size());
    } catch (const std::runtime_error& e) {
        return e.what();
    }
    return std::nullopt;
}

std::size_t TicketKeys::rotate_key_file(const std::filesystem::path& file) {
    std::string old;
    std::error_code ec;
    if (std::filesystem::exists(file, ec)) old = read_key_file(file);
    std::string bytes = random_key();
    bytes += old.substr(0, std::min(old.size(), (kept_by_rotation - 1) * key_size));
    write_atomically(file, bytes);
    const std::size_t keys = bytes.size() / key_size;
    OPENSSL_cleanse(bytes.data(), bytes.size());
    OPENSSL_cleanse(old.data(), old.size());
    return keys;
}

void TicketKeys::install(SSL_CTX* ctx) const {
    SSL_CTX_set_ex_data(ctx, ex_data_index(), const_cast<TicketKeys*>(this));
    SSL_CTX_set_tlsext_ticket_key_evp_cb(ctx, &TicketKeys::callback);
}

int TicketKeys::callback(SSL* ssl, unsigned char* name, unsigned char* iv, EVP_CIPHER_CTX* cipher, EVP_MAC_CTX* mac,
                         int encrypt) {
    const auto* self = static_cast<const TicketKeys*>(SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), ex_data_index()));
    if (!self) return -1;
    const std::shared_ptr<const KeySet> keys = self->keys_.load();
    const Key* key = nullptr;
    if (encrypt) {
        key = &keys->front();
        std::memcpy(name, key->name.data(), key->name.size());
        if (RAND_bytes(iv, 16) != 1) return -1;
    } else {
        for (const Key& k : *keys)
            if (std::memcmp(name, k.name.data(), k.name.size()) == 0) key = &k;
        if (!key) return 0;  // a key no longer held: a full handshake
    }
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_octet_string(OSSL_MAC_PARAM_KEY, const_cast<unsigned char*>(key->hmac.data()),
                                          key->hmac.size()),
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, const_cast<char*>("SHA256"), 0),
        OSSL_PARAM_construct_end(),
    };
    if (EVP_MAC_CTX_set_params(mac, params) != 1) return -1;
    if (encrypt) return EVP_EncryptInit_ex(cipher, EVP_aes_256_cbc(), nullptr, key->aes.data(), iv) == 1 ? 1 : -1;
    if (EVP_DecryptInit_ex(cipher, EVP_aes_256_cbc(), nullptr, key->aes.data(), iv) != 1) return -1;
    // TLS 1.3, 2: renew. OpenSSL clients (Lagrange among them) use a TLS 1.3 ticket once;
    // without a fresh ticket on every resumption they resume only every other connection.
    // (A renewed ticket is made with the first key, so rotation carries TLS 1.3 clients over.)
    // TLS 1.2, 1: keep. A TLS 1.2 ticket may be used again and again; a renewed one makes an
    // OpenSSL client drop its session (marked not resumable) without handing it the new one
    // through its new-session callback, so it, too, would resume only every other time. Its
    // ticket resumes for as long as its key is in the file (two more rotations).
    return SSL_version(ssl) == TLS1_3_VERSION ? 2 : 1;
}

}  // namespace kapsel::net
