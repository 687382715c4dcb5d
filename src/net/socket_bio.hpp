#pragma once
/// The BIO between a connection's SSL and its socket: what OpenSSL writes collects in one
/// buffer and leaves in one send(2) when OpenSSL flushes, so a handshake flight, or a
/// response with its close_notify, is one syscall and, for small pages, one packet.
///
/// Two rules save a syscall or a packet per request, measured with strace in bench/README.md:
/// - The TLS 1.3 session ticket, written right after the client's Finished, is not flushed
///   on its own: it waits for the response and leaves with it.
/// - After a handshake flight has left, the next read does not ask the socket (the client
///   cannot have answered yet); it reports "retry" and the session waits for readability.

#include <openssl/bio.h>
#include <openssl/ssl.h>

#include <cstddef>
#include <string>

namespace kapsel::net {

class SocketBio {
public:
    /// Buffered bytes beyond which a write first tries to send (a large response does not
    /// pile up in memory: it goes out as the socket takes it).
    static constexpr std::size_t send_threshold = 64 * 1024;

    explicit SocketBio(int fd) : fd_(fd) {}
    SocketBio(const SocketBio&) = delete;
    SocketBio& operator=(const SocketBio&) = delete;

    /// Makes the BIO (one reference, for SSL_set_bio) and attaches it to `ssl`. This object
    /// must outlive the SSL. False when OpenSSL cannot allocate it.
    bool attach(SSL* ssl);

    /// Room for `bytes` more (a response about to be written), so it is not copied twice.
    void reserve(std::size_t bytes) { pending_.reserve(pending_.size() + bytes); }

    /// Bytes written by OpenSSL and not yet on the socket.
    std::size_t pending() const { return pending_.size() - sent_; }
    /// The last read found the peer's end of the stream.
    bool at_eof() const { return eof_; }

    // The BIO_METHOD callbacks' work.
    int read(char* out, int size);
    int write(const char* in, int size);
    long flush();

private:
    /// Sends what is pending; true when all of it went. errno tells why not.
    bool send_pending();

    int fd_;
    SSL* ssl_ = nullptr;
    BIO* bio_ = nullptr;
    std::string pending_;
    std::size_t sent_ = 0;          // bytes of pending_ already on the socket
    bool flight_sent_ = false;      // a handshake flight just left: skip the next read
    bool eof_ = false;
};

}  // namespace kapsel::net
