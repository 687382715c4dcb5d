#include "net/gemini_client.hpp"

#include <netdb.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string_view>
#include <variant>
#include <vector>

#include "gemini/request.hpp"
#include "gemini/uri.hpp"
#include "net/openssl_error.hpp"
#include "text/ascii.hpp"

namespace kapsel::net {
namespace {

using Clock = std::chrono::steady_clock;

struct Descriptor {
    int fd = -1;
    Descriptor() = default;
    explicit Descriptor(int f) : fd(f) {}
    Descriptor(const Descriptor&) = delete;
    Descriptor& operator=(const Descriptor&) = delete;
    ~Descriptor() {
        if (fd >= 0) ::close(fd);
    }
};

struct SslFree {
    void operator()(SSL* s) const { SSL_free(s); }
    void operator()(SSL_CTX* c) const { SSL_CTX_free(c); }
    void operator()(addrinfo* a) const { ::freeaddrinfo(a); }
};

/// Waits until `fd` has `events`; throws when the deadline passes or `cancel_fd` is readable.
void wait_for(int fd, short events, Clock::time_point deadline, int cancel_fd, const char* waiting_for) {
    for (;;) {
        const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now());
        if (left.count() <= 0) throw std::runtime_error(std::string("timed out ") + waiting_for);
        pollfd fds[2] = {{fd, events, 0}, {cancel_fd, POLLIN, 0}};
        const int ready = ::poll(fds, cancel_fd >= 0 ? 2 : 1, static_cast<int>(left.count()));
        if (ready < 0) {
            if (errno == EINTR) continue;
            throw std::runtime_error(std::string("poll: ") + std::strerror(errno));
        }
        if (cancel_fd >= 0 && fds[1].revents) throw std::runtime_error("cancelled: the server is stopping");
        if (ready > 0) return;
    }
}

std::string endpoint_text(const std::string& host, const std::string& port) {
    return (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" + port;
}

/// "localhost" and the names below it (RFC 6761, section 6.3), any case, with or without the
/// final dot: always the loopback addresses, never a question to the resolver (which, without an
/// /etc/hosts entry, might not know them or might ask DNS).
bool is_localhost_name(std::string_view host) {
    if (host.ends_with('.')) host.remove_suffix(1);
    const std::string lower = text::to_lower(host);
    return lower == "localhost" || lower.ends_with(".localhost");
}

/// A connected non-blocking socket to one of the addresses `host` resolves to, tried in order.
int connect_to(const std::string& host, const std::string& port, Clock::time_point deadline, int cancel_fd) {
    addrinfo hints{};
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_ADDRCONFIG;
    const bool loopback = is_localhost_name(host);
    if (loopback) hints.ai_flags = AI_NUMERICHOST;
    std::vector<std::unique_ptr<addrinfo, SslFree>> lists;
    for (const std::string& name : loopback ? std::vector<std::string>{"127.0.0.1", "::1"} : std::vector{host}) {
        addrinfo* found = nullptr;
        if (const int rc = ::getaddrinfo(name.c_str(), port.c_str(), &hints, &found); rc != 0) {
            if (loopback) continue;  // ::1 on a machine without IPv6
            throw std::runtime_error("resolving " + host + ": " + ::gai_strerror(rc));
        }
        lists.emplace_back(found);
    }
    std::vector<const addrinfo*> addresses;
    for (const auto& list : lists)
        for (const addrinfo* a = list.get(); a; a = a->ai_next) addresses.push_back(a);
    std::string last_error = "no address";
    for (const addrinfo* a : addresses) {
        Descriptor socket(::socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol));
        if (socket.fd < 0) {
            last_error = std::strerror(errno);
            continue;
        }
        if (::connect(socket.fd, a->ai_addr, a->ai_addrlen) != 0) {
            if (errno != EINPROGRESS) {
                last_error = std::strerror(errno);
                continue;
            }
            wait_for(socket.fd, POLLOUT, deadline, cancel_fd, "connecting");
            int error = 0;
            socklen_t size = sizeof error;
            ::getsockopt(socket.fd, SOL_SOCKET, SO_ERROR, &error, &size);
            if (error != 0) {
                last_error = std::strerror(error);
                continue;
            }
        }
        const int fd = socket.fd;
        socket.fd = -1;
        return fd;
    }
    throw std::runtime_error("connecting to " + endpoint_text(host, port) + ": " + last_error);
}

/// Carries an SSL call on until it stops asking for I/O; returns its result (> 0: done).
template <typename Call>
int drive(SSL* ssl, int fd, Clock::time_point deadline, int cancel_fd, const char* waiting_for, Call call) {
    for (;;) {
        const int rc = call();
        if (rc > 0) return rc;
        switch (SSL_get_error(ssl, rc)) {
            case SSL_ERROR_WANT_READ: wait_for(fd, POLLIN, deadline, cancel_fd, waiting_for); break;
            case SSL_ERROR_WANT_WRITE: wait_for(fd, POLLOUT, deadline, cancel_fd, waiting_for); break;
            case SSL_ERROR_ZERO_RETURN: return 0;
            case SSL_ERROR_SYSCALL:
                if (ERR_peek_error() == 0) return -1;  // the peer reset or closed without close_notify
                [[fallthrough]];
            default: throw std::runtime_error(std::string("TLS, ") + waiting_for + ": " + take_openssl_error());
        }
    }
}

}  // namespace

gemini::ResponseHeader gemini_request(const std::string& url, std::chrono::milliseconds timeout, int cancel_fd) {
    if (url.size() > gemini::max_request_uri_bytes)
        throw std::runtime_error("the request URL is longer than 1024 bytes");
    const auto parsed = gemini::parse_request(url);
    const auto* request = std::get_if<gemini::Request>(&parsed);
    if (!request || request->scheme != "gemini") throw std::runtime_error("not a gemini:// URL: " + url);
    const std::string port = std::to_string(request->port.value_or(1965));
    const auto deadline = Clock::now() + timeout;

    const Descriptor socket(connect_to(request->host, port, deadline, cancel_fd));
    const std::unique_ptr<SSL_CTX, SslFree> context(SSL_CTX_new(TLS_client_method()));
    if (!context) throw std::runtime_error("TLS client context: " + take_openssl_error());
    SSL_CTX_set_min_proto_version(context.get(), TLS1_2_VERSION);
    SSL_CTX_set_verify(context.get(), SSL_VERIFY_NONE, nullptr);
    SSL_CTX_set_options(context.get(), SSL_OP_IGNORE_UNEXPECTED_EOF);  // Gemini servers often just close
    const std::unique_ptr<SSL, SslFree> ssl(SSL_new(context.get()));
    if (!ssl || SSL_set_fd(ssl.get(), socket.fd) != 1) throw std::runtime_error("TLS client: " + take_openssl_error());
    if (!gemini::is_ipv6_address(request->host) && request->host.find_first_not_of("0123456789.") != std::string::npos)
        SSL_set_tlsext_host_name(ssl.get(), request->host.c_str());

    const auto fd = socket.fd;
    if (drive(ssl.get(), fd, deadline, cancel_fd, "in the handshake", [&] { return SSL_connect(ssl.get()); }) <= 0)
        throw std::runtime_error("the server closed the connection in the handshake");
    const std::string line = url + "\r\n";
    if (drive(ssl.get(), fd, deadline, cancel_fd, "sending the request",
              [&] { return SSL_write(ssl.get(), line.data(), static_cast<int>(line.size())); }) <= 0)
        throw std::runtime_error("the server closed the connection before the request was sent");

    // The header: "NN META\r\n", at most 1029 bytes.
    std::string header;
    constexpr std::size_t longest = 2 + 1 + gemini::max_meta_bytes + 2;
    while (header.find("\r\n") == std::string::npos) {
        if (header.size() >= longest) throw std::runtime_error("the response header is longer than 1029 bytes");
        char buffer[1100];
        const int want = static_cast<int>(std::min(sizeof buffer, longest - header.size()));
        const int got = drive(ssl.get(), fd, deadline, cancel_fd, "waiting for the response",
                              [&] { return SSL_read(ssl.get(), buffer, want); });
        if (got <= 0)
            throw std::runtime_error(header.empty() ? "the server closed the connection without a response"
                                                    : "the server closed the connection inside the response header");
        header.append(buffer, static_cast<std::size_t>(got));
    }
    header.resize(header.find("\r\n"));
    SSL_shutdown(ssl.get());  // once, without waiting: the response is what mattered
    auto parsed_header = gemini::parse_response_header(header);
    if (!parsed_header) throw std::runtime_error("not a Gemini response header: \"" + header.substr(0, 80) + "\"");
    return *parsed_header;
}

}  // namespace kapsel::net
