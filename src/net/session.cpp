// One client's connection, start to end: wait for bytes, TLS handshake, read the request
// line, answer, close_notify, close. Every wait is bounded by the connection's deadline.

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/redirect_error.hpp>
#include <asio/use_awaitable.hpp>
#include <openssl/err.h>
#include <spdlog/spdlog.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <memory>
#include <span>
#include <string>

#include "gemini/request.hpp"
#include "net/openssl_error.hpp"
#include "net/socket_bio.hpp"
#include "net/worker.hpp"
#include "site/access_log.hpp"

namespace kapsel::net {
namespace {

using Clock = std::chrono::steady_clock;
using asio::awaitable;

struct SslFree {
    void operator()(SSL* ssl) const { SSL_free(ssl); }
};

/// Waits until the socket is readable or writable; false when the connection was
/// cancelled (deadline, shutdown) or the socket failed.
awaitable<bool> wait(Connection& c, asio::socket_base::wait_type type) {
    if (c.cancelled) co_return false;
    asio::error_code ec;
    co_await c.socket.async_wait(type, asio::redirect_error(asio::use_awaitable, ec));
    co_return !ec && !c.cancelled;
}

/// Carries on an OpenSSL call that wants more I/O. Returns 1 to retry, 0 on a clean
/// close by the peer, -1 on failure.
awaitable<int> wait_for(Connection& c, SSL* ssl, int result, unsigned long* failure = nullptr) {
    switch (SSL_get_error(ssl, result)) {
        case SSL_ERROR_WANT_READ:
            co_return co_await wait(c, asio::socket_base::wait_read) ? 1 : -1;
        case SSL_ERROR_WANT_WRITE:
            co_return co_await wait(c, asio::socket_base::wait_write) ? 1 : -1;
        case SSL_ERROR_ZERO_RETURN:
            co_return 0;
        default:
            if (failure) *failure = ERR_peek_error();
            // This thread serves other connections next: their SSL_get_error must not see
            // this one's errors.
            ERR_clear_error();
            co_return -1;
    }
}


class Session {
public:
    Session(Worker& worker, asio::ip::tcp::socket socket, Client client, std::uint16_t local_port)
        : worker_(worker), shared_(worker.shared()), connection_(std::move(socket)),
          client_(std::move(client.endpoint)), limit_key_(std::move(client.limit_key)), local_port_(local_port),
          started_(Clock::now()), socket_bio_(connection_.socket.native_handle()) {
        connection_.deadline = started_ + shared_.request_timeout;
        worker_.link(connection_);
    }
    ~Session() {
        worker_.unlink(connection_);
        shared_.admission.release(limit_key_);
    }
    Session(const Session&) = delete;
    Session& operator=(const Session&) = delete;

    awaitable<void> run();

private:
    awaitable<bool> handshake();
    awaitable<gemini::LineState> read_request(std::size_t& line_length);
    awaitable<bool> write_all(std::string_view bytes);
    awaitable<bool> close_notify();
    awaitable<void> drain();
    bool unread_input(std::size_t line_length);
    site::Reply decide(const site::Site& site, std::string_view line, gemini::LineState state);
    void log(std::string_view request, const site::Reply* reply, std::size_t sent);

    Worker& worker_;
    SharedState& shared_;
    Connection connection_;
    std::string client_;
    std::string limit_key_;  // what caps and rate limits count: the address, or its /64
    std::uint16_t local_port_;
    Clock::time_point started_;
    SocketBio socket_bio_;  // declared before ssl_: the SSL (and its BIO) goes first
    std::unique_ptr<SSL, SslFree> ssl_;
    // What has come of the request line: empty (no heap) while the client has sent nothing,
    // so an idle connection does not carry a 1 KB buffer. Reads land in the worker's scratch.
    std::string request_;
};

awaitable<bool> Session::handshake() {
    // Nothing TLS is allocated until the client sends its first bytes: an idle TCP
    // connection costs a socket and this frame, nothing more.
    if (!co_await wait(connection_, asio::socket_base::wait_read)) co_return false;
    ssl_.reset(SSL_new(shared_.tls));
    if (!ssl_ || !socket_bio_.attach(ssl_.get())) co_return false;
    SSL_set_accept_state(ssl_.get());
    for (;;) {
        ERR_clear_error();  // SSL_get_error must see this call's errors only
        const int r = SSL_do_handshake(ssl_.get());
        if (r == 1) {
            // The client's last flight is in, and often nothing of ours follows it until the
            // response (TLS 1.3: the ticket is held for it; TLS 1.2 resumption and 1.3 without
            // tickets: nothing at all). A client with Nagle's algorithm holds its request until
            // that flight is ACKed, and the delayed ACK would wait 40 ms: ACK it now.
            // (bench/README.md, "Clients with Nagle": it costs what sending the ticket early
            // would, and also covers the handshakes that have no ticket to send.)
            const int one = 1;
            ::setsockopt(connection_.socket.native_handle(), IPPROTO_TCP, TCP_QUICKACK, &one, sizeof one);
            co_return true;
        }
        unsigned long failure = 0;
        if (co_await wait_for(connection_, ssl_.get(), r, &failure) != 1) {
            spdlog::debug("{}: handshake failed: {}", client_,
                          connection_.cancelled ? "timed out" : describe_openssl_error(failure));
            co_return false;
        }
    }
}

awaitable<gemini::LineState> Session::read_request(std::size_t& line_length) {
    for (;;) {
        const auto state = gemini::find_request_line(request_, line_length);
        if (state != gemini::LineState::incomplete) co_return state;
        // The scratch holds a whole request line; read no more than the line still may take
        // (find_request_line says too_long before request_ could grow past that).
        std::span<char> scratch = worker_.read_scratch();
        const std::size_t room = scratch.size() - request_.size();
        ERR_clear_error();  // SSL_get_error must see this call's errors only
        const int n = SSL_read(ssl_.get(), scratch.data(), static_cast<int>(room));
        if (n > 0) {
            request_.append(scratch.data(), static_cast<std::size_t>(n));  // before any other session runs
            continue;
        }
        if (co_await wait_for(connection_, ssl_.get(), n) != 1) co_return gemini::LineState::incomplete;
    }
}

awaitable<bool> Session::write_all(std::string_view bytes) {
    // The response and the close_notify after it (and the session ticket before it) leave
    // in one write(2) when SSL_shutdown flushes: one packet for small pages.
    constexpr std::size_t record_overhead = 64;  // header, tag, content type; per 16 KiB record
    socket_bio_.reserve(std::min(bytes.size() + (bytes.size() / 16384 + 2) * record_overhead,
                                 SocketBio::send_threshold + 16384 + record_overhead));
    while (!bytes.empty()) {
        size_t written = 0;
        ERR_clear_error();  // SSL_get_error must see this call's errors only
        const int r = SSL_write_ex(ssl_.get(), bytes.data(), bytes.size(), &written);
        if (r == 1) {
            bytes.remove_prefix(written);
            continue;
        }
        if (co_await wait_for(connection_, ssl_.get(), r) != 1) co_return false;
    }
    co_return true;
}

/// Sends close_notify and flushes what is still buffered; false when the deadline or the
/// peer cut that short (the client then sees a response without close_notify).
awaitable<bool> Session::close_notify() {
    for (int attempts = 0;; ++attempts) {
        ERR_clear_error();  // SSL_get_error must see this call's errors only
        const int r = SSL_shutdown(ssl_.get());
        if (r >= 0) break;  // 0: our close_notify is out; the peer's is not awaited
        if (attempts == 64 || co_await wait_for(connection_, ssl_.get(), r) != 1) co_return false;
    }
    // OpenSSL flushes after the alert but ignores a flush that would block: finish it here,
    // or the end of the response could stay in the write buffer.
    for (BIO* wbio = SSL_get_wbio(ssl_.get()); BIO_wpending(wbio) > 0;) {
        if (BIO_flush(wbio) > 0) break;
        if (!BIO_should_retry(wbio) || !co_await wait(connection_, asio::socket_base::wait_write)) co_return false;
    }
    co_return true;
}

bool Session::unread_input(std::size_t line_length) {
    if (request_.size() > line_length + 2 || SSL_has_pending(ssl_.get())) return true;
    int queued = 0;
    return ::ioctl(connection_.socket.native_handle(), FIONREAD, &queued) == 0 && queued > 0;
}

// After a request we did not read to its end (too long, or more sent after the CRLF), the
// rest is still arriving; closing on unread data would reset the connection and could
// destroy our answer before the client reads it. Read and discard until the client closes,
// 64 KB, or two seconds (a lingering close, as web servers do).
awaitable<void> Session::drain() {
    asio::error_code ec;
    connection_.deadline = std::min(connection_.deadline, Clock::now() + std::chrono::seconds(2));
    connection_.socket.shutdown(asio::socket_base::shutdown_send, ec);  // our FIN goes out now
    std::array<char, 4096> sink;
    std::size_t budget = 64 * 1024;
    while (budget > 0 && co_await wait(connection_, asio::socket_base::wait_read)) {
        const auto n = connection_.socket.read_some(asio::buffer(sink), ec);
        if (ec || n == 0) break;
        budget -= std::min(budget, n);
    }
}

site::Reply Session::decide(const site::Site& site, std::string_view line, gemini::LineState state) {
    if (state == gemini::LineState::too_long)
        return site::header_only(gemini::Status::bad_request, "Request longer than 1024 bytes");
    if (shared_.rate_limiter.enabled()) {
        unsigned wait_seconds;
        {
            std::lock_guard lock(shared_.rate_mutex);
            wait_seconds = shared_.rate_limiter.take(limit_key_, Clock::now());
        }
        if (wait_seconds > 0) return site::header_only(gemini::Status::slow_down, std::to_string(wait_seconds));
    }
    try {
        return site.respond(line, local_port_);
    } catch (const std::exception& e) {
        spdlog::error("{}: answering the request failed: {}", client_, e.what());
        return site::header_only(gemini::Status::temporary_failure, "Internal server error");
    }
}

void Session::log(std::string_view request, const site::Reply* reply, std::size_t sent) {
    spdlog::logger* access_log = worker_.access_log();
    if (!access_log) return;
    const char* sni = ssl_ ? SSL_get_servername(ssl_.get(), TLSEXT_NAMETYPE_host_name) : nullptr;
    site::AccessRecord record;
    record.client = client_;
    record.sni = sni ? sni : "";
    record.request = request;
    record.status = reply ? static_cast<int>(reply->status) : 0;
    record.bytes = sent;
    record.duration = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - started_);
    access_log->info(site::format_access_line(record));
}

awaitable<void> Session::run() {
    if (!co_await handshake()) co_return;

    std::size_t line_length = 0;
    const auto state = co_await read_request(line_length);
    if (state == gemini::LineState::incomplete) {
        // Timed out, closed or broken before a whole request: no answer (spec), just close.
        if (connection_.cancelled && !request_.empty()) log(request_, nullptr, 0);
        co_return;
    }
    const std::string_view line(request_.data(), state == gemini::LineState::complete ? line_length : request_.size());

    connection_.phase = Connection::Phase::responding;
    connection_.deadline = Clock::now() + shared_.response_timeout;
    shared_.requests.fetch_add(1, std::memory_order_relaxed);

    // Hold this worker's site for as long as its bytes are being written, even if a
    // reload replaces it meanwhile.
    const auto site = worker_.site();
    site::Reply reply = decide(*site, line, state);
    // Only a whole response ends with close_notify; a cut one ends without, so the client
    // can tell it was truncated (and the access log says 0 bytes).
    bool whole = co_await write_all(reply.bytes);
    if (whole) {
        whole = co_await close_notify();
        if (whole && (state == gemini::LineState::too_long || unread_input(line_length))) co_await drain();
    }
    log(line, &reply, whole ? reply.bytes.size() : 0);
}

awaitable<void> serve_connection(Worker& worker, asio::ip::tcp::socket socket, Client client,
                                 std::uint16_t local_port) {
    Session session(worker, std::move(socket), std::move(client), local_port);
    co_await session.run();
}

}  // namespace

void Worker::serve(asio::ip::tcp::socket socket, Client client, std::uint16_t local_port) {
    asio::co_spawn(context_, serve_connection(*this, std::move(socket), std::move(client), local_port),
                   asio::detached);
}

}  // namespace kapsel::net
