#include "net/tls_hosts.hpp"

#include <stdexcept>

#include "text/ascii.hpp"

namespace kapsel::net {
namespace {

int ex_data_index() {
    static const int index = SSL_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
    return index;
}

const TlsHosts::Host* find(const TlsHosts* hosts, const std::string& canonical) {
    if (!hosts) return nullptr;
    for (const auto& h : hosts->hosts())
        if (h.names.front() == canonical) return &h;
    return nullptr;
}

}  // namespace

std::shared_ptr<const TlsHosts> TlsHosts::load(const config::Config& config, const TlsOptions& options,
                                               const TlsHosts* previous, std::vector<std::string>& problems) {
    auto set = std::make_shared<TlsHosts>();
    for (const auto& host : config.hosts) {
        Host h;
        h.names = host.names;
        const Host* before = find(previous, host.names.front());
        if (before && before->context->same_source(host.certificate, host.key, options)) {
            h.context = before->context;  // unchanged files: nothing to read again
        } else {
            try {
                h.context = std::make_shared<const TlsContext>(host.certificate, host.key, options);
            } catch (const std::exception& e) {
                if (!before) throw;
                problems.push_back(host.names.front() + ": " + e.what() + "; still serving the previous certificate " +
                                   before->context->fingerprint());
                h.context = before->context;
                h.reused_after_failure = true;
            }
        }
        for (const auto& name : h.names) set->by_name_.emplace(name, h.context->native());
        set->hosts_.push_back(std::move(h));
    }
    if (set->hosts_.empty()) throw std::logic_error("TLS for no host");
    return set;
}

void TlsHosts::attach(SSL* ssl) const { SSL_set_ex_data(ssl, ex_data_index(), const_cast<TlsHosts*>(this)); }

void TlsHosts::install_servername_callback(SSL_CTX* ctx) {
    SSL_CTX_set_tlsext_servername_callback(ctx, &TlsHosts::on_servername);
}

int TlsHosts::on_servername(SSL* ssl, int*, void*) {
    const auto* self = static_cast<const TlsHosts*>(SSL_get_ex_data(ssl, ex_data_index()));
    const char* sni = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
    if (!self || !sni) return SSL_TLSEXT_ERR_OK;  // no SNI: the first host's certificate
    std::string name = text::to_lower(sni);
    if (!name.empty() && name.back() == '.') name.pop_back();
    const auto it = self->by_name_.find(name);
    if (it != self->by_name_.end() && it->second != SSL_get_SSL_CTX(ssl)) SSL_set_SSL_CTX(ssl, it->second);
    return SSL_TLSEXT_ERR_OK;  // an unknown name completes with the first host's certificate
}

}  // namespace kapsel::net
