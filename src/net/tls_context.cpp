#include "net/tls_context.hpp"

#include <openssl/err.h>
#include <openssl/x509.h>

#include <stdexcept>
#include <string>

#include "net/certificate.hpp"
#include "net/openssl_error.hpp"
#include "net/session_tickets.hpp"
#include "net/tls_hosts.hpp"

namespace kapsel::net {
namespace {

// Gemini clients present self-signed certificates: any certificate is accepted here, and what
// it may reach is decided per request (site/: zones, uploads) from its fingerprint and dates.
int accept_any_certificate(int, X509_STORE_CTX*) { return 1; }

// Whether a server context of this OpenSSL accepts `groups` ("A:B").
bool offers(const char* groups) {
    SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
    if (!ctx) return false;
    const bool ok = SSL_CTX_set1_groups_list(ctx, groups) == 1;
    SSL_CTX_free(ctx);
    ERR_clear_error();
    return ok;
}

}  // namespace

const std::string& default_groups() {
    static const std::string groups = offers("X25519MLKEM768") ? "X25519MLKEM768:X25519:P-256:P-384" : "X25519:P-256:P-384";
    return groups;
}

std::optional<std::string> unsupported_group(const std::vector<std::string>& groups) {
    for (const auto& g : groups)
        if (g.find(':') != std::string::npos || !offers(g.c_str())) return g;
    return std::nullopt;
}

FileStamp FileStamp::of(const std::filesystem::path& file) {
    struct stat st {};
    if (::stat(file.c_str(), &st) != 0) return {};
    return {st.st_dev, st.st_ino, st.st_size,
            static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec};
}

TlsContext::TlsContext(const std::filesystem::path& certificate, const std::filesystem::path& key,
                       const TlsOptions& options)
    : ctx_(SSL_CTX_new(TLS_server_method())), certificate_(certificate), key_(key),
      certificate_stamp_(FileStamp::of(certificate)), key_stamp_(FileStamp::of(key)), options_(options) {
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
        const std::string& groups = options.groups.empty() ? default_groups() : options.groups;
        if (!SSL_CTX_set1_groups_list(ctx_, groups.c_str()))
            throw std::runtime_error("key exchange groups " + groups + ": " + take_openssl_error());

        if (SSL_CTX_use_certificate_chain_file(ctx_, certificate.c_str()) != 1)
            throw std::runtime_error(certificate.string() + ": cannot load the certificate: " + take_openssl_error());
        if (SSL_CTX_use_PrivateKey_file(ctx_, key.c_str(), SSL_FILETYPE_PEM) != 1) {
            // OpenSSL compares the key with the certificate as it loads it.
            if (ERR_GET_REASON(ERR_peek_last_error()) == X509_R_KEY_VALUES_MISMATCH) {
                ERR_clear_error();
                throw std::runtime_error(key.string() + ": does not match the certificate " + certificate.string());
            }
            throw std::runtime_error(key.string() + ": cannot load the key: " + take_openssl_error());
        }
        if (SSL_CTX_check_private_key(ctx_) != 1) {
            ERR_clear_error();
            throw std::runtime_error(key.string() + ": does not match the certificate " + certificate.string());
        }
        const auto summary = describe_certificate(SSL_CTX_get0_certificate(ctx_));
        fingerprint_ = summary.fingerprint;
        not_after_ = summary.not_after;

        // Resumption through stateless tickets only: no server-side session cache to grow.
        SSL_CTX_set_session_cache_mode(ctx_, SSL_SESS_CACHE_OFF);
        SSL_CTX_set_num_tickets(ctx_, options.session_tickets);
        if (options.session_tickets == 0) SSL_CTX_set_options(ctx_, SSL_OP_NO_TICKET);
        if (options.session_tickets > 0) {
            if (!options.ticket_keys) throw std::logic_error("session tickets without ticket keys");
            options.ticket_keys->install(ctx_);
        }
        static const unsigned char session_context[] = "kapsel";
        SSL_CTX_set_session_id_context(ctx_, session_context, sizeof session_context - 1);
        if (options.request_client_certificates) SSL_CTX_set_verify(ctx_, SSL_VERIFY_PEER, accept_any_certificate);
        TlsHosts::install_servername_callback(ctx_);
    } catch (...) {
        SSL_CTX_free(ctx_);
        throw;
    }
}

TlsContext::~TlsContext() { SSL_CTX_free(ctx_); }

bool TlsContext::same_source(const std::filesystem::path& certificate, const std::filesystem::path& key,
                             const TlsOptions& options) const {
    return certificate == certificate_ && key == key_ && options == options_ &&
           FileStamp::of(certificate) == certificate_stamp_ && FileStamp::of(key) == key_stamp_;
}

}  // namespace kapsel::net
