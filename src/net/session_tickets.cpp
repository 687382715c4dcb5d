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

void read_exactly(const std::filesystem::path& file, unsigned char* out, std::size_t size) {
    const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) fail(file, std::string("cannot read the ticket key file: ") + std::strerror(errno));
    std::size_t got = 0;
    while (got < size) {
        const ssize_t n = ::read(fd, out + got, size - got);
        if (n <= 0) break;
        got += static_cast<std::size_t>(n);
    }
    char extra;
    const bool longer = ::read(fd, &extra, 1) > 0;
    ::close(fd);
    if (got != size || longer)
        fail(file, "a ticket key file holds exactly " + std::to_string(size) + " bytes (e.g. `openssl rand 80`)");
}

void write_new(const std::filesystem::path& file, const unsigned char* data, std::size_t size) {
    if (file.has_parent_path()) std::filesystem::create_directories(file.parent_path());
    const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) fail(file, std::string("cannot create the ticket key file: ") + std::strerror(errno));
    ::fchmod(fd, 0600);
    const bool ok = ::write(fd, data, size) == static_cast<ssize_t>(size);
    ::close(fd);
    if (!ok) fail(file, "cannot write the ticket key file");
}

}  // namespace

std::optional<std::string> TicketKeys::check_file(const std::filesystem::path& file) {
    std::error_code ec;
    if (!std::filesystem::exists(file, ec)) return std::nullopt;
    try {
        std::array<unsigned char, file_size> bytes{};
        read_exactly(file, bytes.data(), bytes.size());
        OPENSSL_cleanse(bytes.data(), bytes.size());
    } catch (const std::runtime_error& e) {
        return e.what();
    }
    return std::nullopt;
}

TicketKeys::TicketKeys(const std::optional<std::filesystem::path>& file) {
    std::array<unsigned char, file_size> bytes{};
    if (file && std::filesystem::exists(*file)) {
        read_exactly(*file, bytes.data(), bytes.size());
    } else {
        if (RAND_priv_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1)
            throw std::runtime_error("no random bytes for the session-ticket keys");
        if (file) write_new(*file, bytes.data(), bytes.size());
    }
    std::memcpy(name_.data(), bytes.data(), 16);
    std::memcpy(aes_key_.data(), bytes.data() + 16, 32);
    std::memcpy(hmac_key_.data(), bytes.data() + 48, 32);
    OPENSSL_cleanse(bytes.data(), bytes.size());
}

void TicketKeys::install(SSL_CTX* ctx) const {
    SSL_CTX_set_ex_data(ctx, ex_data_index(), const_cast<TicketKeys*>(this));
    SSL_CTX_set_tlsext_ticket_key_evp_cb(ctx, &TicketKeys::callback);
}

int TicketKeys::callback(SSL* ssl, unsigned char* name, unsigned char* iv, EVP_CIPHER_CTX* cipher, EVP_MAC_CTX* mac,
                         int encrypt) {
    const auto* keys = static_cast<const TicketKeys*>(SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), ex_data_index()));
    if (!keys) return -1;
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_octet_string(OSSL_MAC_PARAM_KEY, const_cast<unsigned char*>(keys->hmac_key_.data()),
                                          keys->hmac_key_.size()),
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, const_cast<char*>("SHA256"), 0),
        OSSL_PARAM_construct_end(),
    };
    if (encrypt) {
        std::memcpy(name, keys->name_.data(), keys->name_.size());
        if (RAND_bytes(iv, 16) != 1) return -1;
        if (EVP_EncryptInit_ex(cipher, EVP_aes_256_cbc(), nullptr, keys->aes_key_.data(), iv) != 1) return -1;
        if (EVP_MAC_CTX_set_params(mac, params) != 1) return -1;
        return 1;
    }
    if (std::memcmp(name, keys->name_.data(), keys->name_.size()) != 0) return 0;  // another key: full handshake
    if (EVP_MAC_CTX_set_params(mac, params) != 1) return -1;
    if (EVP_DecryptInit_ex(cipher, EVP_aes_256_cbc(), nullptr, keys->aes_key_.data(), iv) != 1) return -1;
    // TLS 1.3, 2: renew. OpenSSL clients (Lagrange among them) use a TLS 1.3 ticket once;
    // without a fresh ticket on every resumption they resume only every other connection.
    // TLS 1.2, 1: keep. A TLS 1.2 ticket may be used again and again; a renewed one makes an
    // OpenSSL client drop its session (marked not resumable) without handing it the new one
    // through its new-session callback, so it, too, would resume only every other time.
    return SSL_version(ssl) == TLS1_3_VERSION ? 2 : 1;
}

}  // namespace kapsel::net
