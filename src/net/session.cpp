// The session coroutine (session.hpp): one connection's TLS steps, request and reply.

#include "net/session.hpp"

#include <asio/post.hpp>
#include <asio/redirect_error.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <spdlog/spdlog.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <memory>
#include <optional>
#include <span>
#include <string>

#include "gemini/request.hpp"
#include "limits/client_address.hpp"
#include "net/certificate.hpp"
#include "net/openssl_error.hpp"
#include "net/socket_bio.hpp"
#include "net/worker.hpp"
#include "site/access_log.hpp"
#include "text/ascii.hpp"

namespace kapsel::net {
namespace {

using Clock = std::chrono::steady_clock;
using asio::awaitable;

struct SslFree {
    void operator()(SSL* ssl) const { SSL_free(ssl); }
};

/// How reading an upload's body ended.
enum class Body {
    whole,       // exactly `size` bytes, and nothing after them yet
    too_short,   // the client closed (or the connection failed) before `size` bytes
    too_long,    // more than `size` bytes had arrived by the end of the body
    cut,         // the body's deadline passed (or the server is stopping)
};

bool is_titan(std::string_view line) {
    return line.size() >= 6 && text::equals_ignoring_case(line.substr(0, 6), "titan:");
}

// "30 gemini://…" of a reply, for the log.
std::string_view header_of(const site::Reply& reply) {
    const auto end = reply.bytes.find("\r\n");
    return reply.bytes.substr(0, end == std::string_view::npos ? reply.bytes.size() : end);
}

class Session {
public:
    Session(Worker& worker, asio::ip::tcp::socket socket, Incoming incoming)
        : worker_(worker), shared_(worker.shared()), connection_(std::move(socket)),
          client_(std::move(incoming.client.endpoint)), limit_key_(std::move(incoming.client.limit_key)),
          local_port_(incoming.local_port), proxy_(incoming.proxy), admitted_(!incoming.proxy), started_(Clock::now()),
          socket_bio_(connection_.socket.native_handle()) {
        connection_.deadline = started_ + shared_.limits.request_timeout;
        worker_.link(connection_);
    }
    ~Session() {
        worker_.unlink(connection_);
        if (admitted_) shared_.admission.release(limit_key_);
    }
    Session(const Session&) = delete;
    Session& operator=(const Session&) = delete;

    awaitable<void> run();

private:
    awaitable<bool> wait(asio::socket_base::wait_type type);
    template <typename Call>
    awaitable<TlsStep> tls_step(const char* what, Call call);
    void fail(TlsStep step, const char* what, unsigned long code);

    awaitable<bool> read_proxy_header();
    awaitable<TlsStep> handshake();
    awaitable<gemini::LineState> read_request(std::size_t& line_length);
    awaitable<TlsStep> write_all(std::string_view bytes);
    awaitable<TlsStep> close_notify();
    bool unread_input(std::size_t line_length);
    awaitable<void> linger();
    site::Reply decide(const site::Site& site, std::string_view line, gemini::LineState state);
    awaitable<void> upload(const site::Site& site, std::string_view line, std::size_t line_length);
    awaitable<Body> read_body(site::Upload& upload, std::size_t line_length);
    awaitable<site::Reply> publish(site::Upload upload);
    void read_client_certificate();
    void log(std::string_view request, const site::Reply* reply, std::size_t sent);

    // Member order is destruction order, reversed: the SSL (which holds the BIO and points to
    // the TLS contexts) goes before tls_ and socket_bio_, and all before connection_, whose
    // socket they write to.
    Worker& worker_;
    SharedState& shared_;
    Connection connection_;
    std::string client_;
    std::string limit_key_;  // what caps and rate limits count: the address, or its /64
    std::uint16_t local_port_;
    std::optional<proxy::Accepted> proxy_;  // a PROXY listener's: the header comes first
    bool admitted_;                         // counted in by admission (released at the end)
    Clock::time_point started_;
    SocketBio socket_bio_;
    std::shared_ptr<const TlsHosts> tls_;  // before ssl_: outlives the SSL that points into it
    std::unique_ptr<SSL, SslFree> ssl_;
    // What has come of the request line: empty (no heap) while the client has sent nothing,
    // so an idle connection does not carry a 1 KB buffer. Reads land in the worker's scratch.
    std::string request_;
    std::optional<site::ClientCertificate> certificate_;  // the client's, when it presented one
};

/// Waits until the socket is readable or writable; false when the connection was cut
/// (deadline, shutdown) or the socket failed.
awaitable<bool> Session::wait(asio::socket_base::wait_type type) {
    if (connection_.cancelled) co_return false;
    asio::error_code ec;
    co_await connection_.socket.async_wait(type, asio::redirect_error(asio::use_awaitable, ec));
    co_return !ec && !connection_.cancelled;
}

/// Carries one OpenSSL call (returning > 0 on success) on until it no longer wants I/O.
/// Every step of the session goes through here, so the error queue discipline lives in one
/// place: cleared before the call (SSL_get_error must see this call's errors only) and after
/// a failure (this thread serves other connections next).
template <typename Call>
awaitable<TlsStep> Session::tls_step(const char* what, Call call) {
    for (;;) {
        ERR_clear_error();
        const int r = call();
        if (r > 0) co_return TlsStep::done;
        switch (SSL_get_error(ssl_.get(), r)) {
            case SSL_ERROR_WANT_READ:
                if (co_await wait(asio::socket_base::wait_read)) continue;
                break;
            case SSL_ERROR_WANT_WRITE:
                if (co_await wait(asio::socket_base::wait_write)) continue;
                break;
            case SSL_ERROR_ZERO_RETURN:
                co_return TlsStep::closed;
            default: {
                const unsigned long code = ERR_peek_error();
                ERR_clear_error();
                fail(TlsStep::failed, what, code);
                co_return TlsStep::failed;
            }
        }
        const TlsStep step = connection_.cancelled ? TlsStep::cut : TlsStep::failed;
        fail(step, what, 0);
        co_return step;
    }
}

/// The one place that decides what a failed step is worth in the log. Clients going away,
/// timing out or speaking bad TLS are a fact of the Internet, not the server's errors: debug.
void Session::fail(TlsStep step, const char* what, unsigned long code) {
    spdlog::debug("{}: {}: {}", client_, what, step == TlsStep::cut ? "cut (deadline or shutdown)"
                                                                    : describe_openssl_error(code));
}

/// On a PROXY listener: the header, read exactly (never a byte of the ClientHello after it), and
/// the client it names admitted by the caps. False closes the connection, before any TLS work.
awaitable<bool> Session::read_proxy_header() {
    std::string received;
    for (;;) {
        const proxy::Parsed parsed = proxy::parse_proxy_header(received, *proxy_);
        if (const auto* invalid = std::get_if<proxy::Invalid>(&parsed)) {
            spdlog::debug("{}: no valid PROXY header: {}", client_, invalid->why);
            co_return false;
        }
        if (const auto* header = std::get_if<proxy::Header>(&parsed)) {
            if (header->source) {  // LOCAL and UNKNOWN: the socket's own addresses stay
                const auto& s = *header->source;
                const auto a = s.v6 ? limits::ClientAddress::ipv6(s.address, s.port)
                                    : limits::ClientAddress::ipv4({s.address[0], s.address[1], s.address[2], s.address[3]},
                                                                  s.port);
                client_ = limits::endpoint_text(a);
                limit_key_ = limits::limit_key(a);
            }
            break;
        }
        const std::size_t need = std::get<proxy::NeedMore>(parsed).at_least;
        if (!co_await wait(asio::socket_base::wait_read)) co_return false;
        const std::size_t have = received.size();
        received.resize(need);
        const ssize_t n = ::recv(connection_.socket.native_handle(), received.data() + have, need - have, 0);
        if (n <= 0 && !(n < 0 && (errno == EAGAIN || errno == EINTR))) co_return false;  // closed or failed
        received.resize(have + static_cast<std::size_t>(std::max<ssize_t>(n, 0)));
    }
    const auto verdict = shared_.admission.admit(limit_key_);
    if (verdict != limits::Admission::Verdict::admitted) {
        spdlog::debug("{}: refused, {}", client_,
                      verdict == limits::Admission::Verdict::server_full ? "server at max_connections"
                                                                        : "address at max_connections_per_address");
        co_return false;
    }
    admitted_ = true;
    co_return true;
}

awaitable<TlsStep> Session::handshake() {
    // Nothing TLS is allocated until the client sends its first bytes: an idle TCP
    // connection costs a socket and this frame, nothing more.
    if (!co_await wait(asio::socket_base::wait_read)) co_return TlsStep::cut;
    tls_ = worker_.tls();  // this connection's contexts, whatever a reload installs meanwhile
    ssl_.reset(SSL_new(tls_->default_context()));
    if (!ssl_ || !socket_bio_.attach(ssl_.get())) co_return TlsStep::failed;
    tls_->attach(ssl_.get());  // the servername callback picks the host's certificate
    SSL_set_accept_state(ssl_.get());
    const TlsStep step = co_await tls_step("handshake", [&] { return SSL_do_handshake(ssl_.get()); });
    if (step == TlsStep::done) {
        // The client's last flight is in, and often nothing of ours follows it until the
        // response (TLS 1.3: the ticket is held for it; TLS 1.2 resumption and 1.3 without
        // tickets: nothing at all). A client with Nagle's algorithm holds its request until
        // that flight is ACKed, and the delayed ACK would wait 40 ms: ACK it now.
        // (bench/README.md, "Clients with Nagle": it costs what sending the ticket early
        // would, and also covers the handshakes that have no ticket to send.)
        const int one = 1;
        ::setsockopt(connection_.socket.native_handle(), IPPROTO_TCP, TCP_QUICKACK, &one, sizeof one);
    }
    co_return step;
}

awaitable<gemini::LineState> Session::read_request(std::size_t& line_length) {
    for (;;) {
        const auto state = gemini::find_request_line(request_, line_length);
        if (state != gemini::LineState::incomplete) co_return state;
        // The scratch holds a whole request line; read no more than the line still may take
        // (find_request_line says too_long before request_ could grow past that).
        std::span<char> scratch = worker_.read_scratch();
        const std::size_t room = scratch.size() - request_.size();
        int n = 0;
        const TlsStep step = co_await tls_step("reading the request", [&] {
            return n = SSL_read(ssl_.get(), scratch.data(), static_cast<int>(room));
        });
        if (step != TlsStep::done) co_return gemini::LineState::incomplete;
        request_.append(scratch.data(), static_cast<std::size_t>(n));  // before any other session runs
    }
}

awaitable<TlsStep> Session::write_all(std::string_view bytes) {
    // The response and the close_notify after it (and the session ticket before it) leave
    // in one send(2) when SSL_shutdown flushes: one packet for small pages.
    constexpr std::size_t record_overhead = 64;  // header, tag, content type; per 16 KiB record
    socket_bio_.reserve(std::min(bytes.size() + (bytes.size() / 16384 + 2) * record_overhead,
                                 SocketBio::send_threshold + 16384 + record_overhead));
    while (!bytes.empty()) {
        std::size_t written = 0;
        const TlsStep step = co_await tls_step("writing the response", [&] {
            return SSL_write_ex(ssl_.get(), bytes.data(), bytes.size(), &written);
        });
        if (step != TlsStep::done) co_return step;
        bytes.remove_prefix(written);
    }
    co_return TlsStep::done;
}

/// Sends close_notify and flushes what is still buffered; not done when the deadline or the
/// peer cut that short (the client then sees a response without close_notify).
awaitable<TlsStep> Session::close_notify() {
    // 0 from SSL_shutdown: our close_notify is out; the peer's is not awaited.
    const TlsStep step = co_await tls_step("close_notify", [&] {
        const int r = SSL_shutdown(ssl_.get());
        return r == 0 ? 1 : r;
    });
    if (step != TlsStep::done) co_return step;
    // OpenSSL flushes after the alert but ignores a flush that would block: finish it here,
    // or the end of the response could stay in the write buffer.
    for (BIO* wbio = SSL_get_wbio(ssl_.get()); BIO_wpending(wbio) > 0;) {
        if (BIO_flush(wbio) > 0) break;
        if (!BIO_should_retry(wbio) || !co_await wait(asio::socket_base::wait_write)) co_return TlsStep::cut;
    }
    co_return TlsStep::done;
}

/// Whether the client sent more than the request line: left over in the request buffer, in
/// OpenSSL's, or still in the kernel's receive queue.
bool Session::unread_input(std::size_t line_length) {
    if (request_.size() > line_length + 2 || SSL_has_pending(ssl_.get())) return true;
    int queued = 0;
    return ::ioctl(connection_.socket.native_handle(), FIONREAD, &queued) == 0 && queued > 0;
}

// After a request we did not read to its end (too long, or more sent after the CRLF), the
// rest is still arriving; closing on unread data would reset the connection and could
// destroy our answer before the client reads it. Read and discard until the client closes,
// 64 KB, or two seconds (a lingering close, as web servers do).
awaitable<void> Session::linger() {
    asio::error_code ec;
    connection_.deadline = std::min(connection_.deadline, Clock::now() + std::chrono::seconds(2));
    connection_.socket.shutdown(asio::socket_base::shutdown_send, ec);  // our FIN goes out now
    std::array<char, 4096> sink;
    std::size_t budget = 64 * 1024;
    while (budget > 0 && co_await wait(asio::socket_base::wait_read)) {
        const auto n = connection_.socket.read_some(asio::buffer(sink), ec);
        if (ec || n == 0) break;
        budget -= std::min(budget, n);
    }
}

site::Reply Session::decide(const site::Site& site, std::string_view line, gemini::LineState state) {
    if (state == gemini::LineState::too_long)
        return site::header_only(gemini::Status::bad_request, "Request longer than 1024 bytes");
    if (const unsigned wait_seconds = shared_.rate_limiter.take(limit_key_, Clock::now()))
        return site::header_only(gemini::Status::slow_down, std::to_string(wait_seconds));
    try {
        return site.respond(line, local_port_, certificate_ ? &*certificate_ : nullptr);
    } catch (const std::exception& e) {
        spdlog::error("{}: answering the request failed: {}", client_, e.what());
        return site::header_only(gemini::Status::temporary_failure, "Internal server error");
    }
}

// The bytes of the body that came with the request line are its first; the rest is read to
// exactly `size` and never beyond it.
awaitable<Body> Session::read_body(site::Upload& upload, std::size_t line_length) {
    const auto size = static_cast<std::size_t>(upload.size);  // at most titan.max_size
    const std::string_view early = std::string_view(request_).substr(std::min(request_.size(), line_length + 2));
    if (early.size() > size) co_return Body::too_long;
    upload.body.assign(early);
    // A body's own deadline: the request's allowance, and as long again as the slowest rate
    // accepted needs for this size.
    const auto allowance = shared_.limits.request_timeout +
                           std::chrono::milliseconds(static_cast<std::int64_t>(1000.0 * static_cast<double>(size) /
                                                                               upload.min_rate));
    connection_.deadline = Clock::now() + allowance;
    // A client that ends its stream mid-body without close_notify (a TCP half-close) is told
    // why, as one that sends close_notify is: OpenSSL would otherwise take the end for a fatal
    // error and send nothing more.
    SSL_set_options(ssl_.get(), SSL_OP_IGNORE_UNEXPECTED_EOF);
    while (upload.body.size() < size) {
        const std::size_t have = upload.body.size();
        const std::size_t room = std::min<std::size_t>(size - have, 16384);
        upload.body.resize(have + room);
        int n = 0;
        const TlsStep step = co_await tls_step("reading an upload's body", [&] {
            return n = SSL_read(ssl_.get(), upload.body.data() + have, static_cast<int>(room));
        });
        upload.body.resize(have + (step == TlsStep::done ? static_cast<std::size_t>(n) : 0));
        if (step == TlsStep::cut) co_return Body::cut;
        if (step != TlsStep::done) co_return Body::too_short;  // closed or broken before the end
    }
    // What has arrived beyond the size by now, decrypted or not (a close_notify is no byte).
    ERR_clear_error();
    char probe = 0;
    const int r = SSL_read(ssl_.get(), &probe, 1);
    ERR_clear_error();
    co_return r > 0 ? Body::too_long : Body::whole;
}

// The publisher works on the server's control thread; its answer comes back to this worker
// through a timer it cancels here, so the coroutine resumes on its own thread.
awaitable<site::Reply> Session::publish(site::Upload upload) {
    if (!shared_.publish) co_return site::header_only(gemini::Status::temporary_failure, "Uploads are not taken now");
    struct Pending {
        explicit Pending(asio::io_context& context) : timer(context, asio::steady_timer::time_point::max()) {}
        asio::steady_timer timer;
        std::optional<site::Reply> reply;
    };
    auto pending = std::make_shared<Pending>(worker_.context());
    shared_.publish(std::move(upload), [pending, &context = worker_.context()](site::Reply reply) {
        asio::post(context, [pending, reply = std::move(reply)]() mutable {
            pending->reply = std::move(reply);
            pending->timer.cancel();
        });
    });
    while (!pending->reply) {
        asio::error_code ec;
        co_await pending->timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
    co_return std::move(*pending->reply);
}

// A Titan request: refused from its line, or its body read and the upload published; answered
// either way, and logged with who sent it, where, how much and what came of it.
awaitable<void> Session::upload(const site::Site& site, std::string_view line, std::size_t line_length) {
    std::variant<site::Reply, site::Upload> admitted;
    if (const unsigned wait_seconds = shared_.rate_limiter.take(limit_key_, Clock::now())) {
        admitted = site::header_only(gemini::Status::slow_down, std::to_string(wait_seconds));
    } else {
        try {
            admitted = site.admit_upload(line, local_port_, certificate_ ? &*certificate_ : nullptr);
        } catch (const std::exception& e) {
            spdlog::error("{}: judging an upload failed: {}", client_, e.what());
            admitted = site::header_only(gemini::Status::temporary_failure, "Internal server error");
        }
    }
    site::Reply reply;
    bool leftover = false;  // input to discard after the answer
    auto* upload = std::get_if<site::Upload>(&admitted);
    std::string what;       // for the log: by whom, to where, how much
    if (upload) {
        what = " (" + upload->by + ") to " + upload->path;
        const Body body = co_await read_body(*upload, line_length);
        what += ", " + std::to_string(upload->body.size()) + " of " + std::to_string(upload->size) + " bytes";
        if (body == Body::cut) {
            spdlog::info("upload from {}{}: cut at its deadline, nothing written", client_, what);
            log(line, nullptr, 0);
            co_return;
        }
        if (body == Body::too_short) {
            reply = site::header_only(gemini::Status::bad_request,
                                      "Body shorter than size=" + std::to_string(upload->size) + ": " +
                                          std::to_string(upload->body.size()) + " bytes came before the end");
        } else if (body == Body::too_long) {
            reply = site::header_only(gemini::Status::bad_request,
                                      "Body longer than size=" + std::to_string(upload->size) + "; nothing written");
            leftover = true;
        } else {
            // Waiting for the publisher is the server's time, not the client's (uploads queue
            // behind one another and behind reloads): the response's deadline starts after it.
            connection_.deadline = Clock::time_point::max();
            reply = co_await publish(std::move(*upload));
            connection_.deadline = Clock::now() + shared_.limits.response_timeout;
        }
    } else {
        reply = std::move(std::get<site::Reply>(admitted));
        leftover = unread_input(line_length);  // the body, sent at once, is not read
    }
    bool whole = co_await write_all(reply.bytes) == TlsStep::done;
    if (whole) whole = co_await close_notify() == TlsStep::done;
    log(line, &reply, whole ? reply.bytes.size() : 0);
    spdlog::info("upload from {}{}: {}", client_, what, header_of(reply));
    if (whole && leftover) co_await linger();
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
    if (certificate_) record.certificate = certificate_->fingerprint;
    access_log->info(site::format_access_line(record));
}

// A client certificate (asked for only when a host has zones) is judged per request by the
// site, from its fingerprint and dates; any certificate passed the handshake.
void Session::read_client_certificate() {
    X509* peer = SSL_get0_peer_certificate(ssl_.get());
    if (!peer) return;
    const CertificateSummary summary = describe_certificate(peer);
    certificate_ = site::ClientCertificate{summary.fingerprint, summary.valid_now};
}

awaitable<void> Session::run() {
    if (proxy_ && !co_await read_proxy_header()) co_return;
    if (co_await handshake() != TlsStep::done) co_return;
    read_client_certificate();

    std::size_t line_length = 0;
    const auto state = co_await read_request(line_length);
    if (state == gemini::LineState::incomplete) {
        // Timed out, closed or broken before a whole request: no answer (spec), just close.
        if (connection_.cancelled && !request_.empty()) log(request_, nullptr, 0);
        co_return;
    }
    const std::string_view line(request_.data(), state == gemini::LineState::complete ? line_length : request_.size());

    connection_.phase = Connection::Phase::responding;
    connection_.deadline = Clock::now() + shared_.limits.response_timeout;
    shared_.requests.fetch_add(1, std::memory_order_relaxed);

    // Hold this worker's site for as long as its bytes are being written, even if a
    // reload replaces it meanwhile.
    const auto site = worker_.site();
    if (state == gemini::LineState::complete && is_titan(line)) {
        co_await upload(*site, line, line_length);
        co_return;
    }
    site::Reply reply = decide(*site, line, state);
    // Only a whole response ends with close_notify; a cut one ends without, so the client
    // can tell it was truncated (and the access log says 0 bytes).
    bool whole = co_await write_all(reply.bytes) == TlsStep::done;
    if (whole) whole = co_await close_notify() == TlsStep::done;
    // Logged once the response is out (or cut), before any lingering: our FIN may reach the
    // client during the linger, and the line must be written by then.
    log(line, &reply, whole ? reply.bytes.size() : 0);
    if (whole && (state == gemini::LineState::too_long || unread_input(line_length))) co_await linger();
}

}  // namespace

void Connection::cancel() {
    cancelled = true;
    asio::error_code ignored;
    socket.cancel(ignored);
}

awaitable<void> serve_connection(Worker& worker, asio::ip::tcp::socket socket, Incoming incoming) {
    Session session(worker, std::move(socket), std::move(incoming));
    co_await session.run();
}

}  // namespace kapsel::net
