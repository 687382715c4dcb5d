#pragma once
/// The access-log line, made safe: nothing a client sends can forge or break a log line.

#include <chrono>
#include <string>
#include <string_view>

namespace kapsel::site {

/// Escapes control characters (C0, DEL, C1), backslashes, double quotes and invalid UTF-8
/// as \xNN, so the result is one printable line.
std::string escape_for_log(std::string_view text);

/// One access-log line: client "SNI" "URL" status bytes duration certificate.
struct AccessRecord {
    std::string_view client;  // "127.0.0.1:51234"
    std::string_view sni;     // empty when the client sent none
    std::string_view request; // the request line as received (without CRLF), may be empty
    int status = 0;           // 0 when no response was sent
    std::size_t bytes = 0;
    std::chrono::microseconds duration{0};
    std::string_view certificate;  // the client certificate's SHA-256 fingerprint; empty: none
};

/// `client "SNI" "URL" STATUS BYTES DURATIONms CERTIFICATE`: status `-` when none was sent,
/// certificate `-` when none was presented. A Titan request's token is written `token=*`.

std::string format_access_line(const AccessRecord& record);

}  // namespace kapsel::site
