#pragma once
/// TLS session-ticket keys: stateless resumption whose tickets survive restarts, and that
/// replicas behind one load balancer share, when the keys live in a file.
///
/// The key file is 1 to 16 keys of 80 bytes each, back to back, nothing else: per key 16
/// bytes of key name, 32 bytes of AES-256-CBC key and 32 bytes of HMAC-SHA256 key. The first
/// key encrypts new tickets; every key decrypts. `kapsel ticket-keys rotate FILE` puts a new
/// key first and keeps the newest three (rotate_key_file), so a ticket made with a key still
/// resumes after two rotations. A reload re-reads the file (reload()).

#include <openssl/ssl.h>

#include <array>
#include <atomic>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace kapsel::net {

class TicketKeys {
public:
    static constexpr std::size_t key_size = 80;
    static constexpr std::size_t max_keys = 16;
    static constexpr std::size_t kept_by_rotation = 3;

    /// Reads the key file, or creates it (one random key, mode 0600) when missing. Without a
    /// file, one random key for this process only. Throws std::runtime_error naming the file.
    explicit TicketKeys(const std::optional<std::filesystem::path>& file);
    TicketKeys(const TicketKeys&) = delete;
    TicketKeys& operator=(const TicketKeys&) = delete;

    /// Reads the file again (after a rotation by another process); the keys in use stay when
    /// it cannot be read or is malformed. Returns the number of keys now in use; throws
    /// std::runtime_error (naming the file) when the file was refused. Safe while serving.
    std::size_t reload();
    std::size_t size() const;

    /// Makes `ctx` encrypt and decrypt its tickets with these keys. The keys must outlive it.
    void install(SSL_CTX* ctx) const;

    /// Why an existing key file would be refused (wrong size, unreadable), or nullopt; a
    /// missing file is fine (it is created). Reads only.
    static std::optional<std::string> check_file(const std::filesystem::path& file);

    /// Writes `file` anew with a fresh random key first and the newest kept_by_rotation - 1
    /// keys it held (a missing file gets one key), atomically (temporary file, fsync,
    /// rename), mode 0600. Returns how many keys the file now holds.
    static std::size_t rotate_key_file(const std::filesystem::path& file);

private:
    struct Key {
        std::array<unsigned char, 16> name{};
        std::array<unsigned char, 32> aes{};
        std::array<unsigned char, 32> hmac{};
        Key() = default;
        Key(const Key&) = default;
        Key& operator=(const Key&) = default;
        ~Key();  // wipes the key material
    };
    using KeySet = std::vector<Key>;

    static int callback(SSL* ssl, unsigned char* name, unsigned char* iv, EVP_CIPHER_CTX* cipher,
                        EVP_MAC_CTX* mac, int encrypt);

    std::optional<std::filesystem::path> file_;
    std::atomic<std::shared_ptr<const KeySet>> keys_;
};

}  // namespace kapsel::net
