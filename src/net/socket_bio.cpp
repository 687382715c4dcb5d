#include "net/socket_bio.hpp"

#include <sys/socket.h>
#include <sys/types.h>

#include <cerrno>

namespace kapsel::net {
namespace {

SocketBio* self(BIO* bio) { return static_cast<SocketBio*>(BIO_get_data(bio)); }

int bio_read(BIO* bio, char* out, int size) {
    SocketBio* s = self(bio);
    return s ? s->read(out, size) : -1;
}

int bio_write(BIO* bio, const char* in, int size) {
    SocketBio* s = self(bio);
    return s ? s->write(in, size) : -1;
}

long bio_ctrl(BIO* bio, int cmd, long, void*) {
    SocketBio* s = self(bio);
    switch (cmd) {
        case BIO_CTRL_FLUSH:
            return s ? s->flush() : 0;
        case BIO_CTRL_WPENDING:
            return s ? static_cast<long>(s->pending()) : 0;
        case BIO_CTRL_EOF:  // OpenSSL asks after a read of 0: was that the peer's end?
            return s && s->at_eof() ? 1 : 0;
        case BIO_CTRL_DUP:
        case BIO_CTRL_SET_CLOSE:
            return 1;
        case BIO_CTRL_GET_CLOSE:
            return BIO_NOCLOSE;  // the socket belongs to the session, not to OpenSSL
        default:
            return 0;  // PENDING (nothing is read ahead here), kTLS queries, ...
    }
}

int bio_destroy(BIO* bio) {
    BIO_set_data(bio, nullptr);
    BIO_set_init(bio, 0);
    return 1;
}

BIO_METHOD* make_method() {
    BIO_METHOD* m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "kapsel socket");
    if (m && BIO_meth_set_read(m, bio_read) == 1 && BIO_meth_set_write(m, bio_write) == 1 &&
        BIO_meth_set_ctrl(m, bio_ctrl) == 1 && BIO_meth_set_destroy(m, bio_destroy) == 1)
        return m;
    BIO_meth_free(m);
    return nullptr;
}

// Made once, kept for the life of the process (OpenSSL refers to it from every BIO).
BIO_METHOD* method() {
    static BIO_METHOD* const m = make_method();
    return m;
}

bool would_block() { return errno == EAGAIN || errno == EWOULDBLOCK; }

}  // namespace

bool SocketBio::attach(SSL* ssl) {
    BIO_METHOD* m = method();
    BIO* bio = m ? BIO_new(m) : nullptr;
    if (!bio) return false;
    BIO_set_data(bio, this);
    BIO_set_init(bio, 1);
    ssl_ = ssl;
    bio_ = bio;
    SSL_set_bio(ssl, bio, bio);  // one BIO both ways: the SSL takes our one reference
    return true;
}

int SocketBio::read(char* out, int size) {
    BIO_clear_retry_flags(bio_);
    if (flight_sent_) {
        // Our flight left a moment ago; the answer needs a round trip. Reading now would
        // only return EAGAIN: wait for readability instead. Safe because Asio re-arms the
        // descriptor (EPOLL_CTL_MOD) on every wait, so bytes already there wake it at once;
        // keep that in mind before moving the session to another event loop.
        flight_sent_ = false;
        BIO_set_retry_read(bio_);
        return -1;
    }
    for (;;) {
        const ssize_t n = ::recv(fd_, out, static_cast<std::size_t>(size), 0);
        if (n >= 0) {
            eof_ = n == 0;  // the peer closed: OpenSSL reports an unexpected EOF
            return static_cast<int>(n);
        }
        if (errno == EINTR) continue;
        if (would_block()) BIO_set_retry_read(bio_);
        return -1;
    }
}

int SocketBio::write(const char* in, int size) {
    BIO_clear_retry_flags(bio_);
    if (pending() >= send_threshold && !send_pending()) {
        if (would_block()) BIO_set_retry_write(bio_);
        return -1;
    }
    pending_.append(in, static_cast<std::size_t>(size));
    return size;
}

long SocketBio::flush() {
    BIO_clear_retry_flags(bio_);
    if (pending() == 0) return 1;
    // TLS 1.3: OpenSSL flushes right after the session ticket; keep it for the response,
    // which follows as soon as the request is read, and send both in one write. (An alert
    // raised in this state, which only an internal failure such as the RNG can cause, is
    // held too and lost with the connection.)
    if (SSL_get_state(ssl_) == TLS_ST_SW_SESSION_TICKET) return 1;
    const bool handshaking = !SSL_is_init_finished(ssl_);
    if (!send_pending()) {
        if (would_block()) BIO_set_retry_write(bio_);
        return -1;
    }
    flight_sent_ = handshaking;
    return 1;
}

bool SocketBio::send_pending() {
    while (sent_ < pending_.size()) {
        const ssize_t n = ::send(fd_, pending_.data() + sent_, pending_.size() - sent_, MSG_NOSIGNAL);
        if (n > 0) {
            sent_ += static_cast<std::size_t>(n);
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        return false;
    }
    // All out: give the memory back, an idle connection keeps no buffer.
    std::string().swap(pending_);
    sent_ = 0;
    return true;
}

}  // namespace kapsel::net
