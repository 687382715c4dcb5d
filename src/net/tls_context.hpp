#pragma once
/// The server's OpenSSL context: protocol floor, ciphers, certificate, session tickets.

#include <openssl/ssl.h>

#include <memory>

#include "config/config.hpp"

namespace kapsel::net {

class TicketKeys;

class TlsContext {
public:
    /// Loads the certificate chain and key named in `settings` and sets TLS ≥ 1.2 (1.3
    /// preferred), no compression, no renegotiation, forward-secret AEAD ciphers only,
    /// X25519 first, stateless session tickets. Throws std::runtime_error naming the file.
    explicit TlsContext(const config::TlsSettings& settings);
    ~TlsContext();
    TlsContext(const TlsContext&) = delete;
    TlsContext& operator=(const TlsContext&) = delete;

    SSL_CTX* native() const { return ctx_; }

    /// Reads tls.ticket_key_file again (after `kapsel ticket-keys rotate`); throws
    /// std::runtime_error naming the file when it was refused (the keys in use stay).
    /// Returns the number of keys in use; 0 when tickets are off.
    std::size_t reload_ticket_keys();

private:
    SSL_CTX* ctx_;
    std::unique_ptr<TicketKeys> ticket_keys_;
};

}  // namespace kapsel::net
