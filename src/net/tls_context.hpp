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

private:
    SSL_CTX* ctx_;
    std::unique_ptr<TicketKeys> ticket_keys_;
};

}  // namespace kapsel::net
