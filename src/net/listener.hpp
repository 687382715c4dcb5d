#pragma once
/// Listening sockets and the accept loop: binds, admits or refuses, hands sockets to workers.

#include <asio/ip/tcp.hpp>

#include <memory>
#include <vector>

#include "config/config.hpp"
#include "net/worker.hpp"

namespace kapsel::net {

class Listener {
public:
    /// Binds `address` with a SOMAXCONN backlog (IPv6 sockets v6-only, so [::] and 0.0.0.0
    /// can both bind). Throws std::system_error naming the address and the reason.
    Listener(asio::io_context& context, const config::ListenAddress& address);

    /// The bound endpoint (port 0 resolved to the real port).
    asio::ip::tcp::endpoint endpoint() const { return endpoint_; }

    /// Accepts until close(); each admitted socket goes to the next worker in turn.
    void start(std::vector<std::unique_ptr<Worker>>& workers);
    void close();

private:
    asio::ip::tcp::acceptor acceptor_;
    asio::ip::tcp::endpoint endpoint_;
    config::ProxyProtocol proxy_protocol_;
};

}  // namespace kapsel::net
