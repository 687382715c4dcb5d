#pragma once
/// Gemini status codes and the response header line "NN META\r\n".

#include <optional>
#include <string>
#include <string_view>

namespace kapsel::gemini {

enum class Status : int {
    input = 10,
    sensitive_input = 11,
    success = 20,
    redirect_temporary = 30,
    redirect_permanent = 31,
    temporary_failure = 40,
    server_unavailable = 41,
    cgi_error = 42,
    proxy_error = 43,
    slow_down = 44,
    permanent_failure = 50,
    not_found = 51,
    gone = 52,
    proxy_request_refused = 53,
    bad_request = 59,
    client_certificate_required = 60,
    certificate_not_authorised = 61,
    certificate_not_valid = 62,
};

inline constexpr std::size_t max_meta_bytes = 1024;

/// "NN META\r\n". META is made safe: CR, LF and other control characters are replaced by
/// spaces, invalid UTF-8 by U+FFFD, and it is cut to at most 1024 bytes on a character
/// boundary. Callers always pass a MIME type (2x) or a message (others).
std::string response_header(Status status, std::string_view meta);

/// A response header as a client reads it.
struct ResponseHeader {
    int status = 0;    // 10–69
    std::string meta;  // may be empty
};

/// Parses a response header line (without its CRLF) as a client must: two digits, the first
/// 1–6, then nothing or one space and META (at most 1024 bytes, valid UTF-8, no control
/// characters). nullopt for anything else.
std::optional<ResponseHeader> parse_response_header(std::string_view line);

}  // namespace kapsel::gemini
