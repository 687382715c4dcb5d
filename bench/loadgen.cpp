/// loadgen — kapsel's load generator: many Gemini requests in flight from one thread.
///
/// One request = a new TCP connection to a loopback address, a TLS handshake with SNI (no
/// certificate check), "URL\r\n", the whole response read until close_notify or EOF, and the
/// header's status checked (2x is a success). Non-blocking sockets, one epoll loop, OpenSSL 3.
///
/// Beside the load it can hold N idle connections (TCP + TLS done, no request ever sent) for
/// the whole run, so a server's memory per idle connection can be measured. With -I the idle
/// connections are opened first; "idle_ready ..." is printed (and flushed) once they are up,
/// then the load starts after a short settle time (-S), so a script can sample the server in
/// between.
///
/// Every run ends by itself: after -d seconds (plus -w warm-up), or after -n requests, and in
/// any case at the hard cap (-T). Only loopback addresses are accepted.
///
/// The last line of output is for scripts:
///   rps=... p50_ms=... p90_ms=... p99_ms=... max_ms=... ok=... errors=... resumed=... bytes=...
/// followed by a few extra fields (served=, full=, idle_*=, no_close_notify=, client_cpu_pct=).
/// Exit status 1 when load was asked for and not one 2x response came back; 2 for bad usage.

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include <arpa/inet.h>
#include <fcntl.h>
#include <getopt.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

namespace {

// Limits that keep every run bounded whatever the options say.
constexpr double max_duration_s = 3600;
constexpr double default_hard_cap_s = 600;
constexpr int max_concurrency = 10'000;
constexpr int max_idle = 20'000;
constexpr int idle_handshakes_in_flight = 64;  // open idle connections in batches: no SYN floods
constexpr double idle_open_timeout_s = 60;
constexpr std::size_t header_max = 1100;        // "NN " + 1024 bytes of META + CRLF, with slack
constexpr std::size_t capture_max = 64 << 20;   // -O: largest body written out

double now()
{
    using namespace std::chrono;
    return duration<double>(steady_clock::now().time_since_epoch()).count();
}

volatile std::sig_atomic_t stop_requested = 0;
void on_signal(int) { stop_requested = 1; }

[[noreturn]] void die(const std::string& message)
{
    std::fprintf(stderr, "loadgen: %s\n", message.c_str());
    std::exit(2);
}

// ---------------------------------------------------------------------------------------------
// Options

struct Options {
    std::string host = "127.0.0.1";
    std::string port = "1965";
    std::string url = "gemini://localhost/";
    int concurrency = 1;
    double duration_s = 10;   // 0: run until -n requests are done
    std::uint64_t total = 0;  // 0: no count limit
    double warmup_s = 0;
    double timeout_s = 10;    // per request
    double hard_cap_s = default_hard_cap_s;
    double settle_s = 2;      // -I: pause between "idle_ready" and the load
    bool resume = false;
    bool nagle = false;       // -N: leave TCP_NODELAY off, as many real clients do
    int tls_version = 0;      // 0: library default (1.2..1.3)
    int idle = 0;
    std::string output;       // -O: write the body of the first 2x response here
    bool verbose = false;
};

void usage()
{
    std::fputs(
        "usage: loadgen -p PORT [options]\n"
        "  -p PORT      server port (default 1965)\n"
        "  -h HOST      loopback address or name (default 127.0.0.1; also ::1, localhost)\n"
        "  -u URL       request sent, without CRLF (default gemini://localhost/); SNI is its host\n"
        "  -c N         requests in flight (default 1; 0 with -I: idle connections only)\n"
        "  -d SECONDS   measuring time (default 10; 0 = until -n requests are done)\n"
        "  -n TOTAL     stop after TOTAL requests\n"
        "  -w SECONDS   warm-up before measuring (default 0)\n"
        "  -r           TLS resumption: offer the newest session; counts handshakes that resumed\n"
        "  -N           Nagle's algorithm on (no TCP_NODELAY), as many real clients have it\n"
        "  -V 1.2|1.3   use exactly this TLS version\n"
        "  -I N         hold N idle connections (TLS done, no request) for the whole run\n"
        "  -S SECONDS   with -I: settle time between idle_ready and the load (default 2)\n"
        "  -t SECONDS   per-request timeout (default 10)\n"
        "  -T SECONDS   hard cap on the whole run (default 600)\n"
        "  -O FILE      write the body of the first 2x response to FILE\n"
        "  -v           print each error\n",
        stderr);
    std::exit(2);
}

double parse_seconds(const char* text, const char* option)
{
    char* end = nullptr;
    double value = std::strtod(text, &end);
    if (end == text || *end != '\0' || !std::isfinite(value) || value < 0 || value > max_duration_s)
        die(std::string("bad ") + option + " value: " + text);
    return value;
}

long parse_count(const char* text, const char* option, long max)
{
    char* end = nullptr;
    long value = std::strtol(text, &end, 10);
    if (end == text || *end != '\0' || value < 0 || value > max)
        die(std::string("bad ") + option + " value: " + text + " (0.." + std::to_string(max) + ")");
    return value;
}

Options parse_options(int argc, char** argv)
{
    Options o;
    int ch;
    while ((ch = getopt(argc, argv, "p:h:u:c:d:n:w:rNV:I:S:t:T:O:v")) != -1) {
        switch (ch) {
        case 'p': o.port = optarg; break;
        case 'h': o.host = optarg; break;
        case 'u': o.url = optarg; break;
        case 'c': o.concurrency = static_cast<int>(parse_count(optarg, "-c", max_concurrency)); break;
        case 'd': o.duration_s = parse_seconds(optarg, "-d"); break;
        case 'n': o.total = static_cast<std::uint64_t>(parse_count(optarg, "-n", 100'000'000)); break;
        case 'w': o.warmup_s = parse_seconds(optarg, "-w"); break;
        case 'r': o.resume = true; break;
        case 'N': o.nagle = true; break;
        case 'V':
            if (std::string_view(optarg) == "1.2") o.tls_version = TLS1_2_VERSION;
            else if (std::string_view(optarg) == "1.3") o.tls_version = TLS1_3_VERSION;
            else die("-V takes 1.2 or 1.3");
            break;
        case 'I': o.idle = static_cast<int>(parse_count(optarg, "-I", max_idle)); break;
        case 'S': o.settle_s = parse_seconds(optarg, "-S"); break;
        case 't': o.timeout_s = parse_seconds(optarg, "-t"); break;
        case 'T': o.hard_cap_s = parse_seconds(optarg, "-T"); break;
        case 'O': o.output = optarg; break;
        case 'v': o.verbose = true; break;
        default: usage();
        }
    }
    if (optind != argc) usage();
    if (o.concurrency == 0 && o.idle == 0) die("nothing to do: -c 0 and no -I");
    if (o.duration_s == 0 && o.total == 0) o.duration_s = 10;
    if (o.timeout_s == 0) o.timeout_s = 10;
    if (o.hard_cap_s == 0) o.hard_cap_s = default_hard_cap_s;
    if (o.url.size() > 1024) die("the URL is longer than 1024 bytes");
    return o;
}

/// The host part of a gemini:// URL, for SNI.
std::string url_host(std::string_view url)
{
    auto scheme_end = url.find("://");
    std::string_view rest = scheme_end == std::string_view::npos ? url : url.substr(scheme_end + 3);
    if (!rest.empty() && rest.front() == '[') {
        auto close = rest.find(']');
        return std::string(rest.substr(1, close == std::string_view::npos ? 0 : close - 1));
    }
    return std::string(rest.substr(0, rest.find_first_of(":/?#")));
}

bool is_loopback(const sockaddr_storage& addr)
{
    if (addr.ss_family == AF_INET) {
        auto& in = reinterpret_cast<const sockaddr_in&>(addr);
        return (ntohl(in.sin_addr.s_addr) >> 24) == 127;
    }
    if (addr.ss_family == AF_INET6) {
        auto& in6 = reinterpret_cast<const sockaddr_in6&>(addr);
        return IN6_IS_ADDR_LOOPBACK(&in6.sin6_addr);
    }
    return false;
}

// ---------------------------------------------------------------------------------------------
// The run

enum class State { free, backoff, connecting, handshake, writing, reading, idle_open };

enum Failure { f_connect, f_handshake, f_write, f_read, f_timeout, f_empty, f_bad_header, f_status, f_count };
constexpr std::array<const char*, f_count> failure_names = {
    "connect", "handshake", "write", "read", "timeout", "empty", "bad_header", "status"};

/// One socket's lifetime: a request (load) or a connection that stays open unused (idle).
struct Connection {
    int fd = -1;
    SSL* ssl = nullptr;
    State state = State::free;
    bool idle = false;
    std::uint32_t generation = 0;  // bumped on close: stale epoll events are ignored
    std::uint32_t events = 0;
    double started = 0;
    double deadline = 0;
    std::size_t written = 0;
    std::size_t received = 0;
    std::size_t header_size = 0;
    std::array<char, header_max> header{};
    bool capturing = false;
    std::string capture;
};

struct Totals {
    std::uint64_t ok = 0;            // 2x responses in the measuring window
    std::uint64_t served = 0;        // responses with a header, warm-up included
    std::uint64_t bytes = 0;         // response bytes (header + body) in the window
    std::uint64_t full = 0;          // handshakes in the window, by kind
    std::uint64_t resumed = 0;
    std::uint64_t no_close_notify = 0;
    std::array<std::uint64_t, f_count> failures{};
    std::array<std::uint64_t, 100> status{};
    std::vector<std::uint32_t> latency_us;
    std::vector<std::uint32_t> handshake_us;  // connect() → handshake done

    std::uint64_t errors() const
    {
        std::uint64_t n = 0;
        for (auto f : failures) n += f;
        return n;
    }
};

struct IdleTotals {
    int started = 0;
    int established = 0;
    int failed = 0;            // could not connect or finish the handshake
    int closed_by_server = 0;  // closed after being established
    double first_close_s = -1; // seconds after idle_ready
};

class Run {
public:
    explicit Run(Options options) : o_(std::move(options)) {}
    Run(const Run&) = delete;
    Run& operator=(const Run&) = delete;
    ~Run();  // everything back, so a sanitizer build (the test suite uses one) exits clean

    int main();

private:
    void resolve();
    void make_context();
    static int on_new_session(SSL* ssl, SSL_SESSION* session);

    void start(Connection& c);
    void drive(Connection& c);
    void drive_idle(Connection& c);
    void finish(Connection& c, bool clean);
    void fail(Connection& c, Failure kind);
    void close(Connection& c);
    void next(Connection& c);
    bool want(Connection& c, int ssl_error);
    void watch(Connection& c, std::uint32_t events);
    void periodic(double t);
    bool load_may_start(double t) const;
    bool measuring(double t) const { return load_running_ && t >= t_measure_ && (o_.duration_s == 0 || t < t_end_); }
    void start_load(double t);
    void open_more_idle();
    bool idle_opening_done() const;
    void report(double measured_s, double wall_s, double cpu_s);

    Options o_;
    std::string sni_;
    std::string request_;
    sockaddr_storage addr_{};
    socklen_t addr_len_ = 0;
    SSL_CTX* ctx_ = nullptr;
    int epoll_ = -1;
    std::vector<Connection> conns_;
    int idle_next_ = 0;      // index of the next idle connection to open
    int idle_pending_ = 0;   // idle connections between connect() and handshake done
    bool opening_idle_ = false;

    bool load_running_ = false;
    double t_load_ = 0;      // load started (after the idle phase)
    double t_measure_ = 0;   // warm-up over
    double t_end_ = 0;       // measuring over (duration mode)
    double t_idle_ready_ = 0;
    std::uint64_t started_ = 0;
    int active_ = 0;         // load connections in flight
    bool output_written_ = false;
    std::uint64_t succeeded_ = 0;  // 2x responses, warm-up included

    Totals totals_;
    IdleTotals idle_;

    static SSL_SESSION* newest_session_;
};

SSL_SESSION* Run::newest_session_ = nullptr;

Run::~Run()
{
    for (Connection& c : conns_) close(c);
    if (epoll_ >= 0) ::close(epoll_);
    if (newest_session_) SSL_SESSION_free(newest_session_);
    newest_session_ = nullptr;
    SSL_CTX_free(ctx_);
}

void Run::resolve()
{
    addrinfo hints{};
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* found = nullptr;
    if (int rc = getaddrinfo(o_.host.c_str(), o_.port.c_str(), &hints, &found); rc != 0)
        die("cannot resolve " + o_.host + ":" + o_.port + ": " + gai_strerror(rc));
    std::memcpy(&addr_, found->ai_addr, found->ai_addrlen);
    addr_len_ = found->ai_addrlen;
    freeaddrinfo(found);
    if (!is_loopback(addr_))
        die("refusing " + o_.host + ": loopback addresses only (127.0.0.0/8, ::1)");
}

int Run::on_new_session(SSL*, SSL_SESSION* session)
{
    if (!SSL_SESSION_is_resumable(session)) return 0;
    if (newest_session_) SSL_SESSION_free(newest_session_);
    newest_session_ = session;  // we keep the reference the callback hands us
    return 1;
}

void Run::make_context()
{
    ctx_ = SSL_CTX_new(TLS_client_method());
    if (!ctx_) die("SSL_CTX_new failed");
    SSL_CTX_set_verify(ctx_, SSL_VERIFY_NONE, nullptr);
    SSL_CTX_set_mode(ctx_, SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    SSL_CTX_set_min_proto_version(ctx_, o_.tls_version ? o_.tls_version : TLS1_2_VERSION);
    if (o_.tls_version) SSL_CTX_set_max_proto_version(ctx_, o_.tls_version);
    if (o_.resume) {
        SSL_CTX_set_session_cache_mode(ctx_, SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
        SSL_CTX_sess_set_new_cb(ctx_, on_new_session);
    } else {
        // TLS 1.3 servers send tickets anyway (as to any real client); we never offer them.
        SSL_CTX_set_session_cache_mode(ctx_, SSL_SESS_CACHE_OFF);
        SSL_CTX_set_options(ctx_, SSL_OP_NO_TICKET);
    }
}

void Run::watch(Connection& c, std::uint32_t events)
{
    if (c.events == events) return;
    epoll_event e{};
    e.events = events;
    e.data.u64 = static_cast<std::uint64_t>(&c - conns_.data()) | (std::uint64_t{c.generation} << 32);
    if (epoll_ctl(epoll_, c.events ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, c.fd, &e) < 0)
        die(std::string("epoll_ctl: ") + std::strerror(errno));
    c.events = events;
}

bool Run::want(Connection& c, int ssl_error)
{
    if (ssl_error == SSL_ERROR_WANT_READ) {
        watch(c, EPOLLIN);
        return true;
    }
    if (ssl_error == SSL_ERROR_WANT_WRITE) {
        watch(c, EPOLLOUT);
        return true;
    }
    return false;
}

void Run::close(Connection& c)
{
    if (c.ssl) {
        // A finished connection is a clean end for OpenSSL; otherwise SSL_free marks the
        // session it used as not resumable (we never send close_notify ourselves).
        SSL_set_shutdown(c.ssl, SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
        SSL_free(c.ssl);
        c.ssl = nullptr;
    }
    if (c.fd >= 0) ::close(c.fd);  // closing also removes it from the epoll set
    c.fd = -1;
    c.events = 0;
    c.generation++;
    c.state = State::free;
}

bool Run::load_may_start(double t) const
{
    if (!load_running_ || stop_requested) return false;
    if (o_.duration_s > 0 && t >= t_end_) return false;
    if (o_.total && started_ >= o_.total) return false;
    return true;
}

void Run::start(Connection& c)
{
    double t = now();
    if (!c.idle) {
        if (!load_may_start(t)) return;
        started_++;
        active_++;
    }
    c.started = t;
    c.deadline = t + (c.idle ? idle_open_timeout_s : o_.timeout_s);
    c.written = c.received = c.header_size = 0;
    c.events = 0;
    c.capturing = !c.idle && !o_.output.empty() && !output_written_;
    c.capture.clear();
    c.fd = socket(addr_.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (c.fd >= 0) {
        int one = 1;
        if (!o_.nagle) setsockopt(c.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        if (connect(c.fd, reinterpret_cast<sockaddr*>(&addr_), addr_len_) == 0 || errno == EINPROGRESS) {
            c.state = State::connecting;
            watch(c, EPOLLOUT);
            return;
        }
    }
    fail(c, f_connect);
}

void Run::fail(Connection& c, Failure kind)
{
    double t = now();
    if (o_.verbose) {
        unsigned long e = ERR_peek_error();
        std::fprintf(stderr, "%s %s: %s (errno %d %s)\n", c.idle ? "idle" : "request",
                     failure_names[kind], e ? ERR_reason_error_string(e) : "-", errno,
                     std::strerror(errno));
    }
    ERR_clear_error();
    if (c.idle) {
        idle_.failed++;
        if (c.state != State::idle_open) idle_pending_--;
        close(c);
        open_more_idle();
        return;
    }
    if (measuring(t)) totals_.failures[kind]++;
    if (kind == f_connect) {
        // No server, or no port left: wait a little instead of spinning.
        close(c);
        active_--;
        c.state = State::backoff;
        c.deadline = t + 0.01;
        return;
    }
    next(c);
}

void Run::next(Connection& c)
{
    close(c);
    active_--;
    start(c);
}

void Run::finish(Connection& c, bool clean)
{
    double t = now();
    ERR_clear_error();
    if (c.header_size == 0) {
        fail(c, f_empty);
        return;
    }
    std::string_view header(c.header.data(), c.header_size);
    auto crlf = header.find("\r\n");
    bool well_formed = header.size() >= 4 && crlf != std::string_view::npos && crlf >= 2 &&
                       header[0] >= '1' && header[0] <= '6' && header[1] >= '0' && header[1] <= '9' &&
                       (crlf == 2 || header[2] == ' ');
    if (!well_formed) {
        if (o_.verbose)
            std::fprintf(stderr, "bad header: %.*s\n", static_cast<int>(std::min<std::size_t>(crlf, 80)),
                         header.data());
        fail(c, f_bad_header);
        return;
    }
    totals_.served++;
    int status = (header[0] - '0') * 10 + (header[1] - '0');
    if (status / 10 != 2) {
        if (o_.verbose) std::fprintf(stderr, "status: %.*s\n", static_cast<int>(crlf), header.data());
        if (measuring(t)) totals_.status[status]++;
        fail(c, f_status);
        return;
    }
    succeeded_++;
    if (c.capturing && !output_written_) {
        std::ofstream out(o_.output, std::ios::binary | std::ios::trunc);
        out.write(c.capture.data() + crlf + 2, static_cast<std::streamsize>(c.capture.size() - crlf - 2));
        if (!out) die("cannot write " + o_.output);
        output_written_ = true;
    }
    if (measuring(t)) {
        totals_.ok++;
        totals_.status[status]++;
        totals_.bytes += c.received;
        if (!clean) totals_.no_close_notify++;
        double us = (t - c.started) * 1e6;
        totals_.latency_us.push_back(us > 4e9 ? 4'000'000'000u : static_cast<std::uint32_t>(us));
    }
    next(c);
}

bool is_unexpected_eof(int ssl_error)
{
    if (ssl_error == SSL_ERROR_SYSCALL && ERR_peek_error() == 0 && errno == 0) return true;
    return ssl_error == SSL_ERROR_SSL &&
           ERR_GET_REASON(ERR_peek_error()) == SSL_R_UNEXPECTED_EOF_WHILE_READING;
}

void Run::drive(Connection& c)
{
    if (c.state == State::connecting) {
        int error = 0;
        socklen_t len = sizeof error;
        getsockopt(c.fd, SOL_SOCKET, SO_ERROR, &error, &len);
        if (error) {
            errno = error;
            fail(c, f_connect);
            return;
        }
        c.ssl = SSL_new(ctx_);
        if (!c.ssl) die("SSL_new failed");
        SSL_set_fd(c.ssl, c.fd);
        SSL_set_tlsext_host_name(c.ssl, sni_.c_str());
        if (o_.resume && newest_session_ && !c.idle) SSL_set_session(c.ssl, newest_session_);
        SSL_set_connect_state(c.ssl);
        c.state = State::handshake;
    }
    if (c.state == State::handshake) {
        ERR_clear_error();
        int r = SSL_do_handshake(c.ssl);
        if (r != 1) {
            int e = SSL_get_error(c.ssl, r);
            if (!want(c, e)) fail(c, f_handshake);
            return;
        }
        if (c.idle) {
            idle_.established++;
            idle_pending_--;
            c.state = State::idle_open;
            watch(c, EPOLLIN | EPOLLRDHUP);
            open_more_idle();
            return;
        }
        if (double t = now(); measuring(t)) {
            if (SSL_session_reused(c.ssl)) totals_.resumed++;
            else totals_.full++;
            totals_.handshake_us.push_back(static_cast<std::uint32_t>(std::min((t - c.started) * 1e6, 4e9)));
        }
        c.state = State::writing;
    }
    if (c.state == State::writing) {
        while (c.written < request_.size()) {
            ERR_clear_error();
            int r = SSL_write(c.ssl, request_.data() + c.written, static_cast<int>(request_.size() - c.written));
            if (r <= 0) {
                int e = SSL_get_error(c.ssl, r);
                if (!want(c, e)) fail(c, f_write);
                return;
            }
            c.written += static_cast<std::size_t>(r);
        }
        c.state = State::reading;
    }
    if (c.state == State::reading) {
        std::array<char, 16384> buf;
        for (;;) {
            ERR_clear_error();
            errno = 0;
            int r = SSL_read(c.ssl, buf.data(), static_cast<int>(buf.size()));
            if (r > 0) {
                auto n = static_cast<std::size_t>(r);
                auto keep = std::min(n, header_max - c.header_size);
                std::memcpy(c.header.data() + c.header_size, buf.data(), keep);
                c.header_size += keep;
                c.received += n;
                if (c.capturing && c.capture.size() + n <= capture_max) c.capture.append(buf.data(), n);
                continue;
            }
            int e = SSL_get_error(c.ssl, r);
            if (e == SSL_ERROR_ZERO_RETURN) {
                finish(c, true);
                return;
            }
            if (want(c, e)) return;
            if (is_unexpected_eof(e)) {
                finish(c, false);
                return;
            }
            fail(c, f_read);
            return;
        }
    }
}

/// An idle connection became readable: a session ticket (fine, stays open) or the server
/// closing it.
void Run::drive_idle(Connection& c)
{
    std::array<char, 4096> buf;
    for (;;) {
        ERR_clear_error();
        errno = 0;
        int r = SSL_read(c.ssl, buf.data(), static_cast<int>(buf.size()));
        if (r > 0) continue;  // a server has nothing to say to a silent client; ignore it
        int e = SSL_get_error(c.ssl, r);
        if (e == SSL_ERROR_WANT_READ) return;
        if (e == SSL_ERROR_WANT_WRITE) {
            watch(c, EPOLLIN | EPOLLOUT);
            return;
        }
        idle_.closed_by_server++;
        if (idle_.first_close_s < 0 && t_idle_ready_ > 0) idle_.first_close_s = now() - t_idle_ready_;
        ERR_clear_error();
        close(c);
        return;
    }
}

void Run::open_more_idle()
{
    if (opening_idle_) return;  // a connect() that fails at once must not recurse through fail()
    opening_idle_ = true;
    while (idle_next_ < o_.idle && idle_pending_ < idle_handshakes_in_flight && !stop_requested) {
        Connection& c = conns_[static_cast<std::size_t>(o_.concurrency + idle_next_++)];
        idle_.started++;
        idle_pending_++;
        start(c);
    }
    opening_idle_ = false;
}

bool Run::idle_opening_done() const { return idle_next_ >= o_.idle && idle_pending_ == 0; }

void Run::periodic(double t)
{
    for (auto& c : conns_) {
        switch (c.state) {
        case State::backoff:
            if (t >= c.deadline) {
                c.state = State::free;
                start(c);
            }
            break;
        case State::connecting:
        case State::handshake:
        case State::writing:
        case State::reading:
            if (t >= c.deadline) fail(c, f_timeout);
            break;
        default:
            break;
        }
    }
}

void Run::start_load(double t)
{
    load_running_ = true;
    t_load_ = t;
    t_measure_ = t + o_.warmup_s;
    t_end_ = o_.duration_s > 0 ? t_measure_ + o_.duration_s : 0;
    for (int i = 0; i < o_.concurrency; i++) start(conns_[static_cast<std::size_t>(i)]);
}

double percentile(const std::vector<std::uint32_t>& sorted, double p)
{
    if (sorted.empty()) return 0;
    auto k = static_cast<std::size_t>(std::ceil(p * static_cast<double>(sorted.size())));
    k = std::clamp<std::size_t>(k, 1, sorted.size());
    return sorted[k - 1] / 1e3;  // µs → ms
}

void Run::report(double measured_s, double wall_s, double cpu_s)
{
    auto& lat = totals_.latency_us;
    std::sort(lat.begin(), lat.end());
    auto& hs = totals_.handshake_us;
    std::sort(hs.begin(), hs.end());
    double rps = measured_s > 0 ? static_cast<double>(totals_.ok) / measured_s : 0;
    double p50 = percentile(lat, .50), p90 = percentile(lat, .90), p99 = percentile(lat, .99),
           max = percentile(lat, 1);
    int idle_open = 0, aborted = 0;
    for (auto& c : conns_) {
        if (c.idle) idle_open += c.state == State::idle_open;
        else aborted += c.state != State::free && c.state != State::backoff;
    }
    const char* version = o_.tls_version == TLS1_2_VERSION ? "1.2" : o_.tls_version == TLS1_3_VERSION ? "1.3" : "any";

    if (o_.concurrency > 0) {
        std::printf("target      %s port %s  %s  (SNI %s, TLS %s, %s)\n", o_.host.c_str(), o_.port.c_str(),
                    o_.url.c_str(), sni_.c_str(), version, o_.resume ? "resumption" : "full handshakes");
        std::printf("load        concurrency %d, measured %.2f s after %.1f s warm-up; %d in flight at the end\n",
                    o_.concurrency, measured_s, o_.warmup_s, aborted);
        std::printf("responses   %llu ok (2x), %llu errors:", static_cast<unsigned long long>(totals_.ok),
                    static_cast<unsigned long long>(totals_.errors()));
        for (int k = 0; k < f_count; k++)
            if (totals_.failures[static_cast<std::size_t>(k)])
                std::printf(" %s=%llu", failure_names[static_cast<std::size_t>(k)],
                            static_cast<unsigned long long>(totals_.failures[static_cast<std::size_t>(k)]));
        std::printf("\nstatus     ");
        for (int s = 0; s < 100; s++)
            if (totals_.status[static_cast<std::size_t>(s)])
                std::printf(" %02d=%llu", s, static_cast<unsigned long long>(totals_.status[static_cast<std::size_t>(s)]));
        std::printf("\nthroughput  %.1f requests/s, %.0f bytes/response\n", rps,
                    totals_.ok ? static_cast<double>(totals_.bytes) / static_cast<double>(totals_.ok) : 0.0);
        std::printf("latency ms  p50 %.3f  p90 %.3f  p99 %.3f  max %.3f  (connect to close)\n", p50, p90, p99, max);
        std::printf("handshakes  %llu full, %llu resumed; p50 %.3f p99 %.3f ms (connect to TLS done); "
                    "%llu responses without close_notify\n",
                    static_cast<unsigned long long>(totals_.full), static_cast<unsigned long long>(totals_.resumed),
                    percentile(hs, .5), percentile(hs, .99), static_cast<unsigned long long>(totals_.no_close_notify));
    }
    if (o_.idle > 0)
        std::printf("idle        %d asked, %d established, %d failed, %d closed by the server "
                    "(first after %.1f s), %d still open at the end\n",
                    o_.idle, idle_.established, idle_.failed, idle_.closed_by_server, idle_.first_close_s,
                    idle_open);
    std::printf("client      %.2f s CPU over %.1f s (%.0f%% of one core)\n", cpu_s, wall_s,
                wall_s > 0 ? 100 * cpu_s / wall_s : 0);
    std::printf("rps=%.1f p50_ms=%.3f p90_ms=%.3f p99_ms=%.3f max_ms=%.3f ok=%llu errors=%llu resumed=%llu "
                "bytes=%llu served=%llu full=%llu no_close_notify=%llu idle_established=%d idle_closed=%d "
                "idle_open=%d client_cpu_pct=%.0f hs_p50_ms=%.3f hs_p99_ms=%.3f\n",
                rps, p50, p90, p99, max, static_cast<unsigned long long>(totals_.ok),
                static_cast<unsigned long long>(totals_.errors()), static_cast<unsigned long long>(totals_.resumed),
                static_cast<unsigned long long>(totals_.bytes), static_cast<unsigned long long>(totals_.served),
                static_cast<unsigned long long>(totals_.full), static_cast<unsigned long long>(totals_.no_close_notify),
                idle_.established, idle_.closed_by_server, idle_open, wall_s > 0 ? 100 * cpu_s / wall_s : 0,
                percentile(hs, .5), percentile(hs, .99));
}

double process_cpu_seconds()
{
    rusage ru{};
    getrusage(RUSAGE_SELF, &ru);
    return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
           static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

int Run::main()
{
    resolve();
    sni_ = url_host(o_.url);
    if (sni_.empty()) die("no host in URL " + o_.url);
    request_ = o_.url + "\r\n";

    rlimit rl{};
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    if (rl.rlim_cur < static_cast<rlim_t>(o_.concurrency + o_.idle + 16))
        die("the open-file limit (" + std::to_string(rl.rlim_cur) + ") is below -c + -I");
    std::signal(SIGPIPE, SIG_IGN);
    std::signal(SIGINT, on_signal);
    std::signal(SIGTERM, on_signal);

    make_context();
    epoll_ = epoll_create1(EPOLL_CLOEXEC);
    if (epoll_ < 0) die(std::string("epoll_create1: ") + std::strerror(errno));
    conns_.resize(static_cast<std::size_t>(o_.concurrency + o_.idle));
    for (std::size_t i = static_cast<std::size_t>(o_.concurrency); i < conns_.size(); i++) conns_[i].idle = true;
    totals_.latency_us.reserve(1 << 20);

    const double t0 = now();
    const double hard_stop = t0 + o_.hard_cap_s;
    const double cpu0 = process_cpu_seconds();
    bool settling = false;
    double settle_until = 0;

    if (o_.idle > 0) open_more_idle();
    else start_load(t0);

    std::array<epoll_event, 512> events;
    double next_periodic = t0;
    double t = t0;
    bool capped = false;
    for (;;) {
        int n = epoll_wait(epoll_, events.data(), static_cast<int>(events.size()), 10);
        if (n < 0 && errno != EINTR) die(std::string("epoll_wait: ") + std::strerror(errno));
        for (int k = 0; k < n; k++) {
            std::uint64_t key = events[static_cast<std::size_t>(k)].data.u64;
            Connection& c = conns_[static_cast<std::uint32_t>(key)];
            if (c.generation != static_cast<std::uint32_t>(key >> 32) || c.state == State::free ||
                c.state == State::backoff)
                continue;
            if (c.state == State::idle_open) drive_idle(c);
            else drive(c);
        }
        t = now();
        if (t >= next_periodic) {
            periodic(t);
            next_periodic = t + 0.01;
        }
        if (!load_running_ && !settling && (idle_opening_done() || t - t0 > idle_open_timeout_s)) {
            t_idle_ready_ = t;
            std::printf("idle_ready established=%d failed=%d after=%.2fs\n", idle_.established, idle_.failed, t - t0);
            std::fflush(stdout);
            settling = true;
            settle_until = t + (o_.concurrency > 0 ? o_.settle_s : 0);
        }
        if (settling && !load_running_ && t >= settle_until) start_load(t);
        if (stop_requested) break;
        if (t >= hard_stop) {
            capped = true;
            break;
        }
        if (load_running_ && o_.duration_s > 0 && t >= t_end_) break;
        if (load_running_ && o_.total && started_ >= o_.total && active_ == 0) break;
    }
    if (capped) std::fprintf(stderr, "loadgen: hard cap of %.0f s reached, stopping\n", o_.hard_cap_s);
    double measured = std::max(0.0, (o_.duration_s > 0 && !capped && !stop_requested ? std::min(t, t_end_) : t) -
                                         t_measure_);
    report(load_running_ ? measured : 0, t - t0, process_cpu_seconds() - cpu0);
    if (!o_.output.empty() && !output_written_) {
        std::fprintf(stderr, "loadgen: no 2x response to write to %s\n", o_.output.c_str());
        return 1;
    }
    return o_.concurrency > 0 && succeeded_ == 0 ? 1 : 0;  // no success at all: let scripts see it
}

}  // namespace

int main(int argc, char** argv)
{
    Run run(parse_options(argc, argv));
    return run.main();
}
