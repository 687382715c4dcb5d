#pragma once
/// Every host's TLS context, and the servername callback that picks a handshake's context by
/// its SNI: a handshake without SNI, or with a name no host has, keeps the first host's. The
/// request's host, not SNI, decides what is served (site/). Immutable once built: a reload
/// builds a new one and the workers move to it, each connection keeping the one it began with.

#include <openssl/ssl.h>

#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "config/config.hpp"
#include "net/tls_context.hpp"

namespace kapsel::net {

class TlsHosts {
public:
    struct Host {
        std::vector<std::string> names;  // the first is the canonical name
        std::shared_ptr<const TlsContext> context;
        bool reused_after_failure = false;  // this reload kept the old pair (see problems)
    };

    /// A context per host of `config`. With `previous` (a reload), a host whose files and
    /// options did not change keeps its context as it is, and one whose certificate or key
    /// cannot be loaded now keeps its previous pair (matched by canonical name), the reason
    /// added to `problems`; without a previous pair, such a failure throws std::runtime_error.
    static std::shared_ptr<const TlsHosts> load(const config::Config& config, const TlsOptions& options,
                                                const TlsHosts* previous, std::vector<std::string>& problems);

    SSL_CTX* default_context() const { return hosts_.front().context->native(); }
    const std::vector<Host>& hosts() const { return hosts_; }

    /// Lets the servername callback of `ssl` find this set. Call before the handshake; this
    /// object must outlive it.
    void attach(SSL* ssl) const;

    /// Installed on every context (TlsContext does it): the callback that switches a handshake
    /// to the context of the host its SNI names.
    static void install_servername_callback(SSL_CTX* ctx);

private:
    static int on_servername(SSL* ssl, int* alert, void* arg);

    std::vector<Host> hosts_;
    std::unordered_map<std::string, SSL_CTX*> by_name_;
};

}  // namespace kapsel::net
