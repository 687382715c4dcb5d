#pragma once
/// One client's connection, from accept to close: a coroutine on its worker's thread.
/// Asio header: include only from src/net and src/server.
///
///   accept ─► admission (listener: the caps, before any TLS work; over a cap: closed at once)
///     │
///     ▼                                 ┐
///   a PROXY listener: the PROXY header, │ the request deadline, server.request_timeout,
///   then admission by the client it     │ counted from accept: when it passes, the
///   names (a bad header: closed)        │ connection is closed without a response
///   wait for the first byte (no TLS     │
///   state is made before it)            │
///   TLS handshake, then ACK at once     │
///   request line (≤ 1024 bytes + CRLF)  ┘
///     │
///     ├─ a titan:// line: admitted or refused by the site (rate limit first) before any body
///     │  byte is read; the body read to exactly its size within server.request_timeout +
///     │  size ÷ titan.min_rate (passed: closed without a response, nothing written), then
///     │  published on the server's control thread, which says what to answer
///     ▼                                 ┐
///   reply (rate limit, then site::Site) │ the response deadline, server.response_timeout,
///   close_notify                        │ counted from the request: when it passes, the
///   lingering close, when input is left │ connection is cut without close_notify (the
///     │                                 ┘ lingering close: 2 s at most)
///     ▼
///   close (Session's destructor: unlinked from the worker, released from admission)
///
/// Deadlines are enforced by the worker's sweep (worker.hpp), which cancels the connection:
/// every wait fails from then on and the coroutine unwinds through TlsStep::cut.

#include <asio/awaitable.hpp>
#include <asio/ip/tcp.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "proxy/proxy_header.hpp"

namespace kapsel::net {

class Worker;

/// Who is connected: the endpoint for logs, and the key that caps and rate limits count
/// (limits/client_address.hpp).
struct Client {
    std::string endpoint;   // "127.0.0.1:51234", "[2001:db8::1]:51234"
    std::string limit_key;  // "127.0.0.1", "2001:db8::/64"
};

/// A connection as a listener hands it over.
struct Incoming {
    Client client;                         // the socket's peer; behind a proxy, the proxy itself
    std::uint16_t local_port = 0;          // the port of the listener it came in on
    std::optional<proxy::Accepted> proxy;  // a PROXY listener: the header comes first, and
                                           // admission waits for the client it names
};

/// One connection's bookkeeping, kept in its coroutine frame and linked into its worker's
/// live list so the sweep and shutdown can reach it.
struct Connection {
    enum class Phase { awaiting_request, responding };

    explicit Connection(asio::ip::tcp::socket s) : socket(std::move(s)) {}
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    asio::ip::tcp::socket socket;
    std::chrono::steady_clock::time_point deadline;
    Phase phase = Phase::awaiting_request;
    bool cancelled = false;  // deadline passed or shutdown: every wait now fails
    Connection* prev = nullptr;
    Connection* next = nullptr;

    /// Stops the connection: pending and later waits fail at once.
    void cancel();
};

/// What came of one TLS step (an OpenSSL call carried on until it no longer wants I/O).
enum class TlsStep {
    done,    // it succeeded
    closed,  // the peer sent close_notify
    failed,  // a TLS or socket error (the peer went away, a bad record, …)
    cut,     // the deadline passed or the server is stopping
};

/// The session coroutine: serves `socket` on `worker`'s thread, to its end.
asio::awaitable<void> serve_connection(Worker& worker, asio::ip::tcp::socket socket, Incoming incoming);

}  // namespace kapsel::net
