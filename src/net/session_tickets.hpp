#pragma once
/// TLS session-ticket keys: stateless resumption whose tickets survive restarts when the
/// key lives in a file.

#include <openssl/ssl.h>

#include <array>
#include <filesystem>
#include <optional>
#include <string>

namespace kapsel::net {

class TicketKeys {
public:
    /// Reads the 80-byte key file (16 bytes key name, 32 bytes AES-256 key, 32 bytes
    /// HMAC-SHA256 key), or creates it from random bytes with mode 0600 when missing.
    /// Without a file, the keys are random for this process only. Throws
    /// std::runtime_error naming the file.
    explicit TicketKeys(const std::optional<std::filesystem::path>& file);

    /// Makes `ctx` encrypt and decrypt its tickets with these keys. The keys must outlive it.
    void install(SSL_CTX* ctx) const;

    static constexpr std::size_t file_size = 80;

    /// Why an existing key file would be refused (wrong size, unreadable), or nullopt; a
    /// missing file is fine (it is created). Reads only.
    static std::optional<std::string> check_file(const std::filesystem::path& file);

private:
    static int callback(SSL* ssl, unsigned char* name, unsigned char* iv, EVP_CIPHER_CTX* cipher,
                        EVP_MAC_CTX* mac, int encrypt);

    std::array<unsigned char, 16> name_{};
    std::array<unsigned char, 32> aes_key_{};
    std::array<unsigned char, 32> hmac_key_{};
};

}  // namespace kapsel::net
