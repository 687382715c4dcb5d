#pragma once
/// A worker: one thread running one io_context. Connections accepted for it live and die
/// on its thread, so what they touch (the live list, the site snapshot, the access logger)
/// needs no lock. Asio header: include only from src/net and src/server.

#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/steady_timer.hpp>
#include <openssl/ssl.h>

#include <array>
#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <span>
#include <thread>

#include "gemini/request.hpp"
#include "limits/admission.hpp"
#include "limits/rate_limiter.hpp"
#include "net/session.hpp"
#include "net/tls_hosts.hpp"
#include "site/site.hpp"

namespace spdlog { class logger; }

namespace kapsel::net {

/// The per-connection limits every worker applies (server.request_timeout and
/// server.response_timeout).
struct Limits {
    std::chrono::milliseconds request_timeout{10'000};   // accept → whole request line
    std::chrono::milliseconds response_timeout{30'000};  // request → response written

    /// How often a worker sweeps its connections for passed deadlines: an eighth of the
    /// request timeout, between 10 and 250 ms, so a deadline is kept to within that.
    std::chrono::milliseconds sweep_tick() const;
};

/// What every worker shares: set up before the workers start, read-only or locking itself
/// after (admission and the rate limiter lock themselves).
struct SharedState {
    Limits limits;
    limits::Admission admission;
    limits::RateLimiter rate_limiter;
    std::atomic<std::uint64_t> requests{0};
    /// Publishes an upload whose body was read (server/publisher.hpp) away from the workers;
    /// `done` gets the reply, on any thread. Set before the workers start.
    std::function<void(site::Upload, std::function<void(site::Reply)> done)> publish;

    SharedState(Limits l, std::uint32_t max_connections, std::uint32_t max_per_address, double rate, double burst)
        : limits(l), admission(max_connections, max_per_address), rate_limiter(rate, burst) {}
};

class Worker {
public:
    Worker(SharedState& shared, std::shared_ptr<const site::Site> site, std::shared_ptr<const TlsHosts> tls);
    Worker(const Worker&) = delete;
    Worker& operator=(const Worker&) = delete;
    ~Worker();

    asio::io_context& context() { return context_; }
    SharedState& shared() { return shared_; }

    /// Starts the thread; the deadline sweep runs every shared().limits.sweep_tick().
    void start();
    void stop();  // stops the io_context; pending connections are dropped
    void join();

    /// Hands a new site (after a reload) to this worker's thread.
    void set_site(std::shared_ptr<const site::Site> site);
    /// Hands new TLS contexts (after a reload: certificates changed) to this worker's thread.
    void set_tls(std::shared_ptr<const TlsHosts> tls);
    /// Hands a new access logger (reopened after a reload, for log rotation) to this thread.
    void set_access_log(std::shared_ptr<spdlog::logger> log);
    /// Only on the worker's thread: where access-log lines go (nullptr: nowhere).
    spdlog::logger* access_log() const { return access_log_.get(); }
    /// Only on the worker's thread: the current site.
    const std::shared_ptr<const site::Site>& site() const { return site_; }
    /// Only on the worker's thread: the current TLS contexts.
    const std::shared_ptr<const TlsHosts>& tls() const { return tls_; }

    /// Starts serving an accepted socket on this worker (any thread).
    void serve(asio::ip::tcp::socket socket, Incoming incoming);

    /// Graceful stop: connections still waiting for a request are closed now; responses
    /// in flight go on. Safe from any thread.
    void close_idle();
    /// Connections alive on this worker (any thread may read it).
    std::uint32_t live() const { return live_count_.load(std::memory_order_relaxed); }

    /// Only on the worker's thread, from a Session: join and leave the live list.
    void link(Connection& c);
    void unlink(Connection& c);

    /// Only on the worker's thread: where a session reads its request line before copying
    /// it out, with no suspension in between. One per worker instead of 1 KB per connection.
    std::span<char> read_scratch() { return read_scratch_; }

private:
    void sweep();
    void arm_sweep();

    // Member order is destruction order, reversed, and it matters: context_ is declared after
    // head_ and the other members its handlers touch, so it is destroyed first; destroying
    // it destroys the coroutine frames still suspended in it, and each frame's Session
    // unlinks itself from head_ and releases its admission, which must still exist then.
    // sweep_timer_ belongs to context_ and goes before it.
    SharedState& shared_;
    std::shared_ptr<const site::Site> site_;
    std::shared_ptr<const TlsHosts> tls_;
    std::shared_ptr<spdlog::logger> access_log_;
    Connection* head_ = nullptr;
    bool closing_ = false;  // after close_idle: connections that arrive late are closed too
    std::atomic<std::uint32_t> live_count_{0};
    std::array<char, gemini::max_request_uri_bytes + 2> read_scratch_{};  // a whole request line
    std::thread thread_;
    asio::io_context context_{1};
    asio::steady_timer sweep_timer_{context_};
};

}  // namespace kapsel::net
