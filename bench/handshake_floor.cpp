/// handshake_floor — what OpenSSL alone costs the server per Gemini request: the floor under kapsel.
///
/// One process, one thread, no sockets. Each request is a client SSL and a server SSL joined
/// by a memory BIO pair (BIO_new_bio_pair): a full TLS handshake (or, with -r, one resumed
/// with the newest session ticket the client received, as loadgen does; with -R, that ticket
/// offered again even once used, so that every handshake resumes), then what a Gemini exchange does —
/// the client writes "gemini://localhost/page.gmi\r\n", the server reads it, writes a 6 KB
/// response in one SSL_write, SSL_shutdown (close_notify, not waiting for the peer's), and
/// the client reads to close_notify. Nothing of kapsel runs but its TLS settings: the server
/// SSL_CTX is kapsel::net::TlsContext, built as kapsel builds a host's (ECDSA P-256 cert
/// made by kapsel::net::ensure_certificate in a temporary directory, or -c/-k).
///
/// Measured: CLOCK_THREAD_CPUTIME_ID around every server-side OpenSSL call (SSL_new + BIO
/// attach, SSL_do_handshake steps, SSL_read, SSL_write, SSL_shutdown, SSL_free), summed,
/// ÷ requests; the client's calls the same way, reported apart. The cost of reading the clock
/// itself (a syscall for a thread CPU clock) is calibrated first and subtracted per interval.
///
///   handshake_floor [-n N] [-w W] [-r|-R] [-V 1.2|1.3] [-c CERT -k KEY] [-t TICKETS] [-T SECONDS]
///
/// Last line: server_us=... client_us=... n=... resumed=... (and a few extra fields).
///
/// Built with valgrind/callgrind.h at hand, the counters are zeroed after the warm-up, so
///   valgrind --tool=callgrind --toggle-collect='floor_server_*' handshake_floor -n 200
/// counts the server side of the measured requests only (total Ir ÷ n = instructions per request).

#include <algorithm>
#include <chrono>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <getopt.h>
#include <malloc.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "config/config.hpp"
#include "net/certificate.hpp"
#include "net/session_tickets.hpp"
#include "net/tls_context.hpp"

#if __has_include(<valgrind/callgrind.h>)
#include <valgrind/callgrind.h>
#define FLOOR_ZERO_STATS() CALLGRIND_ZERO_STATS
#else
#define FLOOR_ZERO_STATS() ((void)0)
#endif

namespace {

constexpr long max_requests = 200'000;
constexpr long max_warmup = 10'000;
constexpr double default_hard_cap_s = 300;
constexpr double max_hard_cap_s = 3600;
constexpr int max_steps = 64;  // handshake ping-pong rounds before giving up
constexpr std::size_t response_body_bytes = 6144;
constexpr std::string_view request_line = "gemini://localhost/page.gmi\r\n";

[[noreturn]] void die(const std::string& what) {
    std::fprintf(stderr, "handshake_floor: %s", what.c_str());
    if (const unsigned long e = ERR_get_error()) {
        char buf[256];
        ERR_error_string_n(e, buf, sizeof buf);
        std::fprintf(stderr, " (%s)", buf);
    }
    std::fputc('\n', stderr);
    std::exit(1);
}

long long thread_ns() {
    timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return ts.tv_sec * 1'000'000'000LL + ts.tv_nsec;
}

long long wall_ns() {
    timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1'000'000'000LL + ts.tv_nsec;
}

/// Sums thread CPU time over intervals; each interval is one OpenSSL call (or two trivial ones).
struct Meter {
    long long ns = 0;
    long intervals = 0;
    template <class F>
    auto operator()(F&& f) {
        const long long t0 = thread_ns();
        auto r = f();
        add(thread_ns() - t0);
        return r;
    }
    void add(long long d) {
        ns += d;
        ++intervals;
    }
};

// The server side lives in these functions, never inlined, so callgrind can count them
// alone (--toggle-collect='floor_server_*').
extern "C" {
[[gnu::noinline]] SSL* floor_server_new(SSL_CTX* ctx, BIO* bio) {
    SSL* ssl = SSL_new(ctx);
    if (ssl) {
        SSL_set_bio(ssl, bio, bio);
        SSL_set_accept_state(ssl);
    }
    return ssl;
}
[[gnu::noinline]] int floor_server_handshake(SSL* ssl) { return SSL_do_handshake(ssl); }
[[gnu::noinline]] int floor_server_read(SSL* ssl, char* buf, int len) { return SSL_read(ssl, buf, len); }
[[gnu::noinline]] int floor_server_write(SSL* ssl, const char* buf, std::size_t len, std::size_t* written) {
    return SSL_write_ex(ssl, buf, len, written);
}
[[gnu::noinline]] int floor_server_shutdown(SSL* ssl) { return SSL_shutdown(ssl); }
[[gnu::noinline]] void floor_server_free(SSL* ssl) { SSL_free(ssl); }
}

SSL_SESSION* newest_session = nullptr;
std::string newest_session_der;  // -R: the ticket as received, to offer again and again

int on_new_session(SSL*, SSL_SESSION* session) {
    if (newest_session) SSL_SESSION_free(newest_session);
    newest_session = session;
    const int len = i2d_SSL_SESSION(session, nullptr);
    newest_session_der.resize(len > 0 ? static_cast<std::size_t>(len) : 0);
    auto* out = reinterpret_cast<unsigned char*>(newest_session_der.data());
    if (len > 0) i2d_SSL_SESSION(session, &out);
    return 1;  // we keep the reference
}

/// -R: an OpenSSL client uses a TLS 1.3 ticket once (the session is no longer resumable
/// afterwards); with a server that sends no new ticket on a resumed handshake, only every
/// other handshake resumes. To measure resumption alone, offer a fresh copy of the ticket.
void refresh_used_session() {
    if (!newest_session || SSL_SESSION_is_resumable(newest_session) || newest_session_der.empty()) return;
    const auto* in = reinterpret_cast<const unsigned char*>(newest_session_der.data());
    if (SSL_SESSION* copy = d2i_SSL_SESSION(nullptr, &in, static_cast<long>(newest_session_der.size()))) {
        SSL_SESSION_free(newest_session);
        newest_session = copy;
    }
}

struct Options {
    long n = 2000;
    long warmup = 100;
    bool resume = false;
    bool reuse_ticket = false;  // -R
    int version = TLS1_3_VERSION;
    std::string cert, key;
    unsigned tickets = 1;
    double hard_cap_s = default_hard_cap_s;
    long idle_us = 0;
    long idle_connections = 0;  // -I  // -i: sleep between requests, as a server core waiting for its clients
};

/// The server's calls by kind, for the breakdown printed before the last line.
enum Phase { ph_new, ph_handshake, ph_read, ph_write, ph_shutdown, ph_free, ph_count };
constexpr const char* phase_names[ph_count] = {"SSL_new", "SSL_do_handshake", "SSL_read", "SSL_write", "SSL_shutdown",
                                               "SSL_free"};

struct Totals {
    Meter server, client;
    Meter phase[ph_count];  // the same server intervals as `server`, split by call
    template <class F>
    auto srv(Phase p, F&& f) {
        const long long t0 = thread_ns();
        auto r = f();
        const long long d = thread_ns() - t0;
        server.add(d);
        phase[p].add(d);
        return r;
    }
    long resumed = 0;
    long handshake_calls = 0;  // server SSL_do_handshake calls
    long long bytes = 0;
};

/// One request, in memory. Returns false (with a message) on anything unexpected.
bool one_request(SSL_CTX* sctx, SSL_CTX* cctx, const std::string& response, Totals& t, bool resume,
                 bool reuse_ticket, std::string& error) {
    BIO *sbio = nullptr, *cbio = nullptr;
    if (BIO_new_bio_pair(&sbio, 0, &cbio, 0) != 1) { error = "BIO_new_bio_pair"; return false; }

    SSL* c = t.client([&] { return SSL_new(cctx); });
    if (!c) { error = "client SSL_new"; BIO_free(sbio); BIO_free(cbio); return false; }
    SSL_set_bio(c, cbio, cbio);
    SSL_set_tlsext_host_name(c, "localhost");
    if (resume && reuse_ticket) refresh_used_session();
    if (resume && newest_session) SSL_set_session(c, newest_session);
    SSL_set_connect_state(c);

    SSL* s = t.srv(ph_new, [&] { return floor_server_new(sctx, sbio); });
    if (!s) { error = "server SSL_new"; BIO_free(sbio); SSL_free(c); return false; }

    bool ok = false;
    [&] {
        // Handshake: the client speaks first; ping-pong until both ends are done. The client
        // sends its request as soon as its side is done, as a real one does.
        bool cdone = false, sdone = false, sent = false;
        for (int step = 0; step < max_steps && !(sdone && sent); ++step) {
            if (!cdone) {
                const int r = t.client([&] { return SSL_do_handshake(c); });
                if (r == 1) cdone = true;
                else if (SSL_get_error(c, r) != SSL_ERROR_WANT_READ) { error = "client handshake"; return; }
            }
            if (cdone && !sent) {
                std::size_t w = 0;
                if (t.client([&] { return SSL_write_ex(c, request_line.data(), request_line.size(), &w); }) != 1 ||
                    w != request_line.size()) { error = "client write"; return; }
                sent = true;
            }
            if (!sdone) {
                const int r = t.srv(ph_handshake, [&] { return floor_server_handshake(s); });
                ++t.handshake_calls;
                if (r == 1) sdone = true;
                else if (SSL_get_error(s, r) != SSL_ERROR_WANT_READ) { error = "server handshake"; return; }
            }
        }
        if (!(sdone && sent)) { error = "handshake did not finish"; return; }
        if (SSL_session_reused(s)) ++t.resumed;

        // The server reads the request line.
        char req[1100];
        std::size_t got = 0;
        while (got < request_line.size()) {
            const int r = t.srv(ph_read, [&] { return floor_server_read(s, req + got, static_cast<int>(sizeof req - got)); });
            if (r <= 0) { error = "server read"; return; }
            got += static_cast<std::size_t>(r);
        }
        if (std::string_view(req, got) != request_line) { error = "server read a wrong request"; return; }

        // The response in one write, then close_notify.
        std::size_t w = 0;
        if (t.srv(ph_write, [&] { return floor_server_write(s, response.data(), response.size(), &w); }) != 1 ||
            w != response.size()) { error = "server write"; return; }
        if (t.srv(ph_shutdown, [&] { return floor_server_shutdown(s); }) < 0) { error = "server shutdown"; return; }

        // The client reads everything to close_notify (and takes the ticket on the way).
        char buf[16384];
        std::size_t body = 0;
        for (int step = 0; step < 1000; ++step) {
            const int r = t.client([&] { return SSL_read(c, buf, sizeof buf); });
            if (r > 0) { body += static_cast<std::size_t>(r); continue; }
            if (SSL_get_error(c, r) == SSL_ERROR_ZERO_RETURN) break;
            error = "client read";
            return;
        }
        if (body != response.size()) { error = "client got " + std::to_string(body) + " bytes"; return; }
        t.bytes += static_cast<long long>(body);
        ok = true;
    }();

    // Like loadgen: the client does not answer the close_notify.
    SSL_set_shutdown(c, SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
    t.client([&] { SSL_free(c); return 0; });
    t.srv(ph_free, [&] { floor_server_free(s); return 0; });
    return ok;
}

/// -I: what OpenSSL itself keeps for an idle server connection. N handshakes are completed
/// (the client sends nothing after its Finished), the server has read that Finished and tried
/// once to read a request (so read buffers are released, as in kapsel), and each server SSL is
/// then moved onto a socket BIO as kapsel's is (SSL_set_fd) while the memory pair is freed.
/// Returns heap bytes (malloc'd and mmap'd, glibc's mallinfo2) and resident kB per connection.
struct IdleFloor {
    double heap_bytes = 0;
    double rss_kb = 0;
};

long resident_kb() {
    long pages = 0, resident = 0;
    if (FILE* f = std::fopen("/proc/self/statm", "r")) {
        if (std::fscanf(f, "%ld %ld", &pages, &resident) != 2) resident = 0;
        std::fclose(f);
    }
    return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

std::size_t heap_in_use() {
    const struct mallinfo2 m = mallinfo2();
    return m.uordblks + m.hblkhd;
}

IdleFloor hold_idle(SSL_CTX* sctx, SSL_CTX* cctx, long n) {
    std::vector<SSL*> held;
    held.reserve(static_cast<std::size_t>(n));
    const std::size_t heap0 = heap_in_use();
    const long rss0 = resident_kb();
    for (long i = 0; i < n; ++i) {
        BIO *sbio = nullptr, *cbio = nullptr;
        if (BIO_new_bio_pair(&sbio, 0, &cbio, 0) != 1) die("BIO_new_bio_pair");
        SSL* c = SSL_new(cctx);
        if (!c) die("client SSL_new");
        SSL_set_bio(c, cbio, cbio);
        SSL_set_tlsext_host_name(c, "localhost");
        SSL_set_connect_state(c);
        SSL* s = floor_server_new(sctx, sbio);
        if (!s) die("server SSL_new");
        bool cdone = false, sdone = false;
        for (int step = 0; step < max_steps && !(cdone && sdone); ++step) {
            if (!cdone) {
                const int r = SSL_do_handshake(c);
                if (r == 1) cdone = true;
                else if (SSL_get_error(c, r) != SSL_ERROR_WANT_READ) die("idle: client handshake");
            }
            if (!sdone) {
                const int r = SSL_do_handshake(s);
                if (r == 1) sdone = true;
                else if (SSL_get_error(s, r) != SSL_ERROR_WANT_READ) die("idle: server handshake");
            }
        }
        if (!(cdone && sdone)) die("idle: handshake did not finish");
        char byte;
        if (SSL_read(s, &byte, 1) > 0 || SSL_get_error(s, -1) != SSL_ERROR_WANT_READ) die("idle: server read");
        ERR_clear_error();
        SSL_set_shutdown(c, SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
        SSL_free(c);
        if (SSL_set_fd(s, -1) != 1) die("idle: SSL_set_fd");  // frees the pair's server half
        held.push_back(s);
    }
    IdleFloor f;
    f.heap_bytes = static_cast<double>(heap_in_use() - heap0) / static_cast<double>(n);
    f.rss_kb = static_cast<double>(resident_kb() - rss0) / static_cast<double>(n);
    for (SSL* s : held) {
        SSL_set_shutdown(s, SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
        SSL_free(s);
    }
    return f;
}

/// What one Meter interval around nothing costs (the two clock reads), in ns.
double calibrate_interval_ns() {
    Meter m;
    for (int i = 0; i < 20000; ++i) m([] { return 0; });
    return static_cast<double>(m.ns) / static_cast<double>(m.intervals);
}

void usage() {
    std::fputs(
        "usage: handshake_floor [-n N] [-w W] [-r|-R] [-V 1.2|1.3] [-c CERT -k KEY] [-t TICKETS] [-T SECONDS]\n"
        "                       [-i US] [-I N]\n"
        "  -n N    measured requests (2000; at most 200000)   -w W  warm-up requests (100)\n"
        "  -r      resume each handshake with the newest session ticket, as loadgen does (an OpenSSL\n"
        "          client uses a TLS 1.3 ticket once: without a new ticket per resumption, every other\n"
        "          handshake is a full one; `resumed=` says how many resumed)\n"
        "  -R      like -r, but offer the same ticket again once used: every handshake resumes\n"
        "  -V      TLS version (1.3)   -t  TLS 1.3 tickets per handshake (1, as the bench's kapsel)\n"
        "  -c/-k   ECDSA certificate and key (default: made by kapsel in a temporary directory)\n"
        "  -T S    hard cap on the whole run, seconds (300)\n"
        "  -i US   sleep US microseconds between requests, as a server core does while it waits for\n"
        "          its clients (0); shows what an idle core costs the next handshake\n"
        "  -I N    afterwards, hold N idle server connections (handshake done, no request) and\n"
        "          report OpenSSL's own memory per connection (idle_heap_bytes=, idle_rss_kb=)\n",
        stderr);
}

}  // namespace

int main(int argc, char** argv) {
    Options o;
    int opt;
    while ((opt = getopt(argc, argv, "n:w:rRV:c:k:t:T:i:I:h")) != -1) {
        switch (opt) {
            case 'n': o.n = std::strtol(optarg, nullptr, 10); break;
            case 'w': o.warmup = std::strtol(optarg, nullptr, 10); break;
            case 'r': o.resume = true; break;
            case 'R': o.resume = o.reuse_ticket = true; break;
            case 'V':
                if (std::string_view(optarg) == "1.2") o.version = TLS1_2_VERSION;
                else if (std::string_view(optarg) == "1.3") o.version = TLS1_3_VERSION;
                else { usage(); return 2; }
                break;
            case 'c': o.cert = optarg; break;
            case 'k': o.key = optarg; break;
            case 't': o.tickets = static_cast<unsigned>(std::strtoul(optarg, nullptr, 10)); break;
            case 'T': o.hard_cap_s = std::strtod(optarg, nullptr); break;
            case 'i': o.idle_us = std::strtol(optarg, nullptr, 10); break;
            case 'I': o.idle_connections = std::strtol(optarg, nullptr, 10); break;
            default: usage(); return 2;
        }
    }
    if (optind != argc || o.n < 1 || o.n > max_requests || o.warmup < 0 || o.warmup > max_warmup ||
        o.cert.empty() != o.key.empty() || o.tickets > 10 || !(o.hard_cap_s > 0) || o.hard_cap_s > max_hard_cap_s || o.idle_us < 0 ||
        o.idle_us > 1'000'000 || o.idle_connections < 0 || o.idle_connections > 100'000) {
        usage();
        return 2;
    }

    // Certificate: the caller's, or one kapsel makes (ECDSA P-256) in a temporary directory.
    std::filesystem::path tmpdir;
    std::filesystem::path certificate = o.cert, key = o.key;
    if (o.cert.empty()) {
        std::string tmpl = (std::filesystem::temp_directory_path() / "handshake_floor.XXXXXX").string();
        if (!mkdtemp(tmpl.data())) die("mkdtemp: " + std::string(std::strerror(errno)));
        tmpdir = tmpl;
        certificate = tmpdir / "cert.pem";
        key = tmpdir / "key.pem";
        try {
            kapsel::net::ensure_certificate(certificate, key, {"localhost"});
        } catch (const std::exception& e) {
            std::filesystem::remove_all(tmpdir);
            die(e.what());
        }
    }
    int rc = 0;
    try {
        kapsel::net::TicketKeys ticket_keys(std::nullopt);  // random, as kapsel without a key file
        kapsel::net::TlsOptions options;
        options.session_tickets = o.tickets;
        options.ticket_keys = &ticket_keys;
        kapsel::net::TlsContext server(certificate, key, options);
        if (!tmpdir.empty()) std::filesystem::remove_all(tmpdir);  // loaded: no longer needed
        SSL_CTX* sctx = server.native();

        // The client: as loadgen's (no verification, newest ticket kept by a callback).
        SSL_CTX* cctx = SSL_CTX_new(TLS_client_method());
        if (!cctx) die("client SSL_CTX_new");
        SSL_CTX_set_verify(cctx, SSL_VERIFY_NONE, nullptr);
        SSL_CTX_set_min_proto_version(cctx, o.version);
        SSL_CTX_set_max_proto_version(cctx, o.version);
        if (o.resume) {
            SSL_CTX_set_session_cache_mode(cctx, SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
            SSL_CTX_sess_set_new_cb(cctx, on_new_session);
        } else {
            SSL_CTX_set_session_cache_mode(cctx, SSL_SESS_CACHE_OFF);
            SSL_CTX_set_options(cctx, SSL_OP_NO_TICKET);
        }

        // What kapsel sends for a 6 KB page: the header and the body in one buffer.
        std::string response = "20 text/gemini; lang=sv\r\n";
        response.append(response_body_bytes, 'x');

        const double clock_ns = calibrate_interval_ns();
        const long long wall_start = wall_ns();
        const long long deadline = wall_start + static_cast<long long>(o.hard_cap_s * 1e9);
        std::string error;

        Totals warm;
        for (long i = 0; i < o.warmup; ++i) {
            if (!one_request(sctx, cctx, response, warm, o.resume, o.reuse_ticket, error)) die("warm-up: " + error);
            if (wall_ns() > deadline) die("hard cap reached during the warm-up");
        }
        FLOOR_ZERO_STATS();

        Totals t;
        const long long cpu0 = thread_ns();
        const long long wall0 = wall_ns();
        long done = 0;
        for (; done < o.n; ++done) {
            if (!one_request(sctx, cctx, response, t, o.resume, o.reuse_ticket, error)) die(error);
            if (o.idle_us > 0) std::this_thread::sleep_for(std::chrono::microseconds(o.idle_us));
            if ((done & 15) == 0 && wall_ns() > deadline) {
                std::fprintf(stderr, "handshake_floor: hard cap of %.0f s reached after %ld requests\n",
                             o.hard_cap_s, done + 1);
                rc = 3;
                ++done;
                break;
            }
        }
        const double cpu_total_us = static_cast<double>(thread_ns() - cpu0) / 1e3;
        const double wall_s = static_cast<double>(wall_ns() - wall0) / 1e9;

        auto per_request_us = [&](const Meter& m) {
            const double ns = static_cast<double>(m.ns) - clock_ns * static_cast<double>(m.intervals);
            return std::max(0.0, ns) / 1e3 / static_cast<double>(done);
        };
        const double server_us = per_request_us(t.server);
        const double client_us = per_request_us(t.client);
        const char* version = o.version == TLS1_2_VERSION ? "1.2" : "1.3";
        std::printf("TLS %s, %s handshakes, %ld requests after %ld warm-up, %.2f s (%.0f req/s in one thread)\n",
                    version, o.resume ? "resumed" : "full", done, o.warmup, wall_s, static_cast<double>(done) / wall_s);
        std::printf("server: %.1f µs/request CPU (%.1f server SSL_do_handshake calls/request)\n", server_us,
                    static_cast<double>(t.handshake_calls) / static_cast<double>(done));
        for (int p = 0; p < ph_count; ++p)
            std::printf("  %-17s %6.1f µs/request (%.1f calls)\n", phase_names[p], per_request_us(t.phase[p]),
                        static_cast<double>(t.phase[p].intervals) / static_cast<double>(done));
        std::printf("client: %.1f µs/request CPU\n", client_us);
        std::printf("all:    %.1f µs/request CPU, of which clock reads ≈ %.1f (%.0f ns each interval, subtracted above)\n",
                    cpu_total_us / static_cast<double>(done),
                    clock_ns * static_cast<double>(t.server.intervals + t.client.intervals) / 1e3 / static_cast<double>(done),
                    clock_ns);
        if (o.resume)
            std::printf("resumed: %ld of %ld handshakes%s\n", t.resumed, done,
                        t.resumed < done && !o.reuse_ticket
                            ? " (the client uses each ticket once and the server sent none on resumption; -R reuses it)"
                            : "");
        std::string idle_fields;
        if (o.idle_connections > 0) {
            const IdleFloor idle = hold_idle(sctx, cctx, o.idle_connections);
            std::printf("idle: %ld server connections held after the handshake: %.0f bytes of heap, %.1f kB resident each\n",
                        o.idle_connections, idle.heap_bytes, idle.rss_kb);
            char buf[96];
            std::snprintf(buf, sizeof buf, " idle_heap_bytes=%.0f idle_rss_kb=%.1f", idle.heap_bytes, idle.rss_kb);
            idle_fields = buf;
        }
        std::printf("server_us=%.1f client_us=%.1f n=%ld resumed=%ld full=%ld tls=%s total_us=%.1f clock_ns=%.0f "
                    "bytes=%lld%s\n",
                    server_us, client_us, done, t.resumed, done - t.resumed, version,
                    cpu_total_us / static_cast<double>(done), clock_ns, t.bytes, idle_fields.c_str());
        if (o.resume && t.resumed == 0) {
            std::fprintf(stderr, "handshake_floor: -r given but no handshake resumed\n");
            rc = 1;
        }
        if (newest_session) SSL_SESSION_free(newest_session);
        SSL_CTX_free(cctx);
    } catch (const std::exception& e) {
        if (!tmpdir.empty()) std::filesystem::remove_all(tmpdir);
        die(e.what());
    }
    return rc;
}
