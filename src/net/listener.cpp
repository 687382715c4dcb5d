#include "net/listener.hpp"

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/ip/v6_only.hpp>
#include <asio/redirect_error.hpp>
#include <asio/use_awaitable.hpp>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <system_error>

#include "limits/client_address.hpp"

namespace kapsel::net {
namespace {

std::optional<proxy::Accepted> accepted(config::ProxyProtocol p) {
    switch (p) {
        case config::ProxyProtocol::off: return std::nullopt;
        case config::ProxyProtocol::v1: return proxy::Accepted::v1;
        case config::ProxyProtocol::v2: return proxy::Accepted::v2;
        case config::ProxyProtocol::any: return proxy::Accepted::any;
    }
    return std::nullopt;
}

Client describe(const asio::ip::tcp::endpoint& peer) {
    const auto a = peer.address().is_v4() ? limits::ClientAddress::ipv4(peer.address().to_v4().to_bytes(), peer.port())
                                          : limits::ClientAddress::ipv6(peer.address().to_v6().to_bytes(), peer.port());
    return {limits::endpoint_text(a), limits::limit_key(a)};
}

asio::awaitable<void> accept_loop(asio::ip::tcp::acceptor& acceptor, std::vector<std::unique_ptr<Worker>>& workers,
                                  std::uint16_t local_port, std::optional<proxy::Accepted> proxy) {
    std::size_t next = 0;
    auto last_warning = std::chrono::steady_clock::time_point{};
    for (;;) {
        Worker& worker = *workers[next];
        next = (next + 1) % workers.size();
        asio::ip::tcp::endpoint peer;
        asio::error_code ec;
        auto socket = co_await acceptor.async_accept(worker.context(), peer,
                                                     asio::redirect_error(asio::use_awaitable, ec));
        if (ec == asio::error::operation_aborted || !acceptor.is_open()) co_return;
        if (ec) {
            // Out of descriptors and the like: say so (once a minute at most), breathe, go on.
            const auto now = std::chrono::steady_clock::now();
            if (now - last_warning >= std::chrono::minutes(1)) {
                spdlog::warn("accept on port {}: {}", local_port, ec.message());
                last_warning = now;
            }
            asio::steady_timer pause(acceptor.get_executor(), std::chrono::milliseconds(50));
            co_await pause.async_wait(asio::redirect_error(asio::use_awaitable, ec));
            continue;
        }
        Client client = describe(peer);
        // Behind a proxy the peer is the proxy: the session admits the client the PROXY
        // header names, once it has it.
        const auto verdict = proxy ? limits::Admission::Verdict::admitted : worker.shared().admission.admit(client.limit_key);
        if (verdict != limits::Admission::Verdict::admitted) {
            // Refused before any TLS work: closing costs next to nothing.
            spdlog::debug("{}: refused, {}", client.endpoint,
                          verdict == limits::Admission::Verdict::server_full ? "server at max_connections"
                                                                          : "address at max_connections_per_address");
            socket.close(ec);
            continue;
        }
        // TCP_NODELAY comes from the listening socket (Linux copies it to accepted ones).
        socket.non_blocking(true, ec);
        worker.serve(std::move(socket), Incoming{std::move(client), local_port, proxy});
    }
}

}  // namespace

Listener::Listener(asio::io_context& context, const config::ListenAddress& address)
    : acceptor_(context), proxy_protocol_(address.proxy_protocol) {
    asio::error_code ec;
    const auto ip = asio::ip::make_address(address.host, ec);
    if (ec) throw std::system_error(ec, "listen address " + address.to_string());
    const asio::ip::tcp::endpoint endpoint(ip, address.port);
    auto check = [&](const char* step) {
        if (ec) throw std::system_error(ec, "cannot " + std::string(step) + " " + address.to_string());
    };
    acceptor_.open(endpoint.protocol(), ec);
    check("open a socket for");
    acceptor_.set_option(asio::ip::tcp::acceptor::reuse_address(true), ec);
    if (ip.is_v6()) acceptor_.set_option(asio::ip::v6_only(true), ec);
    // A response leaves in one write; Nagle would only hold it back behind the session ticket.
    acceptor_.set_option(asio::ip::tcp::no_delay(true), ec);
    acceptor_.bind(endpoint, ec);
    check("bind");
    acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    check("listen on");
    endpoint_ = acceptor_.local_endpoint();
}

void Listener::start(std::vector<std::unique_ptr<Worker>>& workers) {
    asio::co_spawn(acceptor_.get_executor(), accept_loop(acceptor_, workers, endpoint_.port(), accepted(proxy_protocol_)),
                   asio::detached);
}

void Listener::close() {
    asio::error_code ignored;
    acceptor_.close(ignored);
}

}  // namespace kapsel::net
