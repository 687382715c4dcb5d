#include "net/worker.hpp"

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/post.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdlib>

namespace kapsel::net {

std::chrono::milliseconds Limits::sweep_tick() const {
    return std::clamp(request_timeout / 8, std::chrono::milliseconds(10), std::chrono::milliseconds(250));
}

Worker::Worker(SharedState& shared, std::shared_ptr<const site::Site> site, std::shared_ptr<const TlsHosts> tls)
    : shared_(shared), site_(std::move(site)), tls_(std::move(tls)) {}

Worker::~Worker() {
    stop();
    join();
}

void Worker::start() {
    arm_sweep();
    thread_ = std::thread([this] {
        try {
            context_.run();
        } catch (const std::exception& e) {
            // Its connections would hang and fill the caps: exit at once (status 70) rather
            // than go on half-working; a supervisor restarts the server.
            spdlog::critical("a worker thread failed: {}; stopping", e.what());
            std::quick_exit(70);
        }
    });
}

void Worker::stop() { context_.stop(); }

void Worker::join() {
    if (thread_.joinable()) thread_.join();
}

void Worker::set_site(std::shared_ptr<const site::Site> site) {
    asio::post(context_, [this, site = std::move(site)]() mutable { site_ = std::move(site); });
}

void Worker::set_tls(std::shared_ptr<const TlsHosts> tls) {
    asio::post(context_, [this, tls = std::move(tls)]() mutable { tls_ = std::move(tls); });
}

void Worker::set_access_log(std::shared_ptr<spdlog::logger> log) {
    asio::post(context_, [this, log = std::move(log)]() mutable { access_log_ = std::move(log); });
}

void Worker::serve(asio::ip::tcp::socket socket, Incoming incoming) {
    asio::co_spawn(context_, serve_connection(*this, std::move(socket), std::move(incoming)), asio::detached);
}

void Worker::close_idle() {
    asio::post(context_, [this] {
        closing_ = true;
        for (Connection* c = head_; c; c = c->next)
            if (c->phase == Connection::Phase::awaiting_request) c->cancel();
    });
}

void Worker::link(Connection& c) {
    c.next = head_;
    if (head_) head_->prev = &c;
    head_ = &c;
    live_count_.fetch_add(1, std::memory_order_relaxed);
    // Accepted just before the listeners closed: no request is awaited any more.
    if (closing_) c.cancel();
}

void Worker::unlink(Connection& c) {
    if (c.prev) c.prev->next = c.next;
    else head_ = c.next;
    if (c.next) c.next->prev = c.prev;
    c.prev = c.next = nullptr;
    live_count_.fetch_sub(1, std::memory_order_relaxed);
}

void Worker::arm_sweep() {
    sweep_timer_.expires_after(shared_.limits.sweep_tick());
    sweep_timer_.async_wait([this](const asio::error_code& ec) {
        if (ec) return;
        sweep();
        arm_sweep();
    });
}

// One timer per worker instead of one per connection: cheaper, and a connection's frame
// never outlives a handler that points at it.
void Worker::sweep() {
    const auto now = std::chrono::steady_clock::now();
    for (Connection* c = head_; c; c = c->next)
        if (!c->cancelled && now >= c->deadline) c->cancel();
}

}  // namespace kapsel::net
