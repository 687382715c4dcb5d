#pragma once
/// OpenSSL's error queue turned into words for messages and logs.

#include <openssl/err.h>

#include <string>

namespace kapsel::net {

/// The reason text of one OpenSSL error code ("connection closed" for 0).
inline std::string describe_openssl_error(unsigned long code) {
    if (code == 0) return "connection closed";
    char buf[256];
    ERR_error_string_n(code, buf, sizeof buf);
    return buf;
}

/// The oldest error on this thread's queue, described; the queue is left empty.
inline std::string take_openssl_error() {
    const unsigned long code = ERR_get_error();
    ERR_clear_error();
    return code == 0 ? "unknown OpenSSL error" : describe_openssl_error(code);
}

}  // namespace kapsel::net
