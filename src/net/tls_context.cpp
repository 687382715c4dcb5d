#include "net/tls_context.hpp"

#include <stdexcept>
#include <string>

#include "net/openssl_error.hpp"
#include "net/session_tickets.hpp"

namespace kapsel::net {

TlsContext::TlsContext(const config::TlsSettings& settings) : ctx_(SSL_CTX_new(TLS_server_method())) {
    if (!ctx_) throw std::runtime_error("SSL_CTX_new: " + take_openssl_error());
    try {
        SSL_CTX_set_min_proto_version(ctx_, TLS1_2_VERSION);
        SSL_CTX_set_options(ctx_, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION |
                                      SSL_OP_CIPHER_SERVER_PREFERENCE);
        // Idle connections keep no read/write buffers.
        SSL_CTX_set_mode(ctx_, SSL_MODE_RELEASE_BUFFERS);
        // Read whole records (and whatever follows) in one read(2), not header then body.
        SSL_CTX_set_read_ahead(ctx_, 1);
        // TLS 1.2: forward secrecy and AEAD only. TLS 1.3 suites are all fine as they are.
        if (!SSL_CTX_set_cipher_list(ctx_, "ECDHE+AES128+AESGCM:ECDHE+CHACHA20:ECDHE+AESGCM:!aNULL:!SHA1"))
            throw std::runtime_error("cipher list: " + take_openssl_error());
        // TLS 1.3: AES-128-GCM first. Its SHA-256 key schedule costs far less per handshake
        // than AES-256-GCM-SHA384's, and its security margin is ample.
        if (!SSL_CTX_set_ciphersuites(ctx_, "TLS_AES_128_GCM_SHA256:TLS_CHACHA20_POLY1305_SHA256:TLS_AES_256_GCM_SHA384"))
            throw std::runtime_error("TLS 1.3 cipher suites: " + take_openssl_error());
        if (!SSL_CTX_set1_groups_list(ctx_, "X25519:P-256:P-384"))
            throw std::runtime_error("groups: " + take_openssl_error());

        const auto& cert = settings.certificate;
        if (SSL_CTX_use_certificate_chain_file(ctx_, cert.c_str()) != 1)
            throw std::runtime_error(cert.string() + ": cannot load the certificate: " + take_openssl_error());
        const auto& key = settings.key;
        if (SSL_CTX_use_PrivateKey_file(ctx_, key.c_str(), SSL_FILETYPE_PEM) != 1)
            throw std::runtime_error(key.string() + ": cannot load the key: " + take_openssl_error());
        if (SSL_CTX_check_private_key(ctx_) != 1)
            throw std::runtime_error(key.string() + ": does not match the certificate " + cert.string());

        // Resumption through stateless tickets only: no server-side session cache to grow.
        SSL_CTX_set_session_cache_mode(ctx_, SSL_SESS_CACHE_OFF);
        SSL_CTX_set_num_tickets(ctx_, settings.session_tickets);
        if (settings.session_tickets == 0) SSL_CTX_set_options(ctx_, SSL_OP_NO_TICKET);
        if (settings.session_tickets > 0) {
            ticket_keys_ = std::make_unique<TicketKeys>(settings.ticket_key_file);
            ticket_keys_->install(ctx_);
        }
        static const unsigned char session_context[] = "kapsel";
        SSL_CTX_set_session_id_context(ctx_, session_context, sizeof session_context - 1);
    } catch (...) {
        SSL_CTX_free(ctx_);
        throw;
    }
}

TlsContext::~TlsContext() { SSL_CTX_free(ctx_); }

std::size_t TlsContext::reload_ticket_keys() { return ticket_keys_ ? ticket_keys_->reload() : 0; }

}  // namespace kapsel::net
