#pragma once
/// A worker: one thread running one io_context. Connections accepted for it live and die
/// on its thread, so what they touch (the live list, the site snapshot) needs no lock.
/// Asio header: include only from src/net and src/server.

#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/steady_timer.hpp>
#include <openssl/ssl.h>

#include <array>
#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <thread>

#include "gemini/request.hpp"
#include "site/admission.hpp"
#include "site/rate_limiter.hpp"
#include "site/site.hpp"

namespace spdlog { class logger; }

namespace kapsel::net {

/// What every worker shares: set up before the workers start, read-only or locked after.
struct SharedState {
    SSL_CTX* tls = nullptr;
    std::chrono::milliseconds request_timeout{10'000};
    std::chrono::milliseconds response_timeout{30'000};
    site::Admission admission;
    std::mutex rate_mutex;
    site::RateLimiter rate_limiter;
    std::atomic<std::uint64_t> requests{0};

    SharedState(std::uint32_t max_connections, std::uint32_t max_per_address, double rate, double burst)
        : admission(max_connections, max_per_address), rate_limiter(rate, burst) {}
};

/// Who is connected: the endpoint for logs, and the key that caps and rate limits count
/// (the IPv4 address, or the /64 of an IPv6 one: one host usually has a whole /64).
struct Client {
    std::string endpoint;   // "127.0.0.1:51234", "[2001:db8::1]:51234"
    std::string limit_key;  // "127.0.0.1", "2001:db8::/64"
};

/// One connection's bookkeeping, kept in its coroutine frame and linked into its worker's
/// live list so deadlines and shutdown can reach it.
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

class Worker {
public:
    Worker(unsigned id, SharedState& shared, std::shared_ptr<const site::Site> site);
    Worker(const Worker&) = delete;
    Worker& operator=(const Worker&) = delete;
    ~Worker();

    unsigned id() const { return id_; }
    asio::io_context& context() { return context_; }
    SharedState& shared() { return shared_; }

    /// Starts the thread. The deadline sweep runs every `tick`.
    void start(std::chrono::milliseconds tick);
    void stop();  // stops the io_context; pending connections are dropped
    void join();

    /// Hands a new site (after a reload) to this worker's thread.
    void set_site(std::shared_ptr<const site::Site> site);
    /// Hands a new access logger (reopened after a reload, for log rotation) to this thread.
    void set_access_log(std::shared_ptr<spdlog::logger> log);
    /// Only on the worker's thread: where access-log lines go (nullptr: nowhere).
    spdlog::logger* access_log() const { return access_log_.get(); }
    /// Only on the worker's thread: the current site.
    const std::shared_ptr<const site::Site>& site() const { return site_; }

    /// Starts serving an accepted socket on this worker.
    void serve(asio::ip::tcp::socket socket, Client client, std::uint16_t local_port);

    /// Graceful stop: connections still waiting for a request are closed now; responses
    /// in flight go on. Safe from any thread.
    void close_idle();
    /// Connections alive on this worker (any thread may read it).
    std::uint32_t live() const { return live_count_.load(std::memory_order_relaxed); }

    void link(Connection& c);
    void unlink(Connection& c);

    /// Only on the worker's thread: where a session reads its request line before copying
    /// it out, with no suspension in between. One per worker instead of 1 KB per connection.
    std::span<char> read_scratch() { return read_scratch_; }

private:
    void sweep();
    void arm_sweep();

    unsigned id_;
    SharedState& shared_;
    std::shared_ptr<const site::Site> site_;
    std::shared_ptr<spdlog::logger> access_log_;
    Connection* head_ = nullptr;
    bool closing_ = false;  // after close_idle: connections that arrive late are closed too
    std::atomic<std::uint32_t> live_count_{0};
    std::array<char, gemini::max_request_uri_bytes + 2> read_scratch_{};  // a whole request line
    std::chrono::milliseconds tick_{250};
    std::thread thread_;
    asio::io_context context_{1};
    asio::steady_timer sweep_timer_{context_};
};

}  // namespace kapsel::net
