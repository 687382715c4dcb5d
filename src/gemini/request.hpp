#pragma once
/// The Gemini request line: an absolute URI, parsed and normalised, or the status that rejects it.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "gemini/status.hpp"

namespace kapsel::gemini {

/// Longest URI a request may carry, not counting CRLF (spec v0.24.1).
inline constexpr std::size_t max_request_uri_bytes = 1024;

/// A request that parsed. Everything is normalised as RFC 3986 §6.2.2 says.
struct Request {
    std::string scheme;                 // lower case ("gemini", or another for proxy requests)
    std::string host;                   // lower case, percent-decoded, no trailing dot; IPv6 without brackets
    std::optional<std::uint16_t> port;  // as written; nullopt when absent
    /// Percent-decoded absolute path with dot segments removed; "" in the URI becomes "/".
    /// A trailing slash is kept ("/notes/" stays "/notes/").
    std::string path;
    std::optional<std::string> query;  // raw (still percent-encoded), without '?'
};

/// Why a request is refused: the status and the META to send.
struct Rejection {
    Status status;
    std::string meta;
};

using ParsedRequest = std::variant<Request, Rejection>;

/// Parses one request line, `line` excluding the CRLF. Rejects with 59 (bad request) when
/// the line is empty, too long, has a BOM, control characters, invalid UTF-8, is a relative
/// reference or has no scheme, has userinfo or a fragment, a bad percent-escape, a bad port,
/// or a gemini URI without host. Path rules (decoded '/', '\\' or NUL inside a segment,
/// dot-files) reject with 51 (not found) or 59 as documented in the implementation; a ".."
/// that would climb above "/" is 59.
ParsedRequest parse_request(std::string_view line);

/// parse_request without the 1024-byte limit, for URIs kapsel builds itself (round trips in tests).
ParsedRequest parse_uri(std::string_view uri);

/// The outcome of reading the request line from a byte stream.
enum class LineState { incomplete, complete, too_long };

/// Looks for the CRLF that ends a request in the bytes received so far. A bare LF does not
/// end a request. `too_long` once more than 1024 bytes precede any CRLF (1026 bytes buffered
/// without a CRLF at or before offset 1024). On `complete`, `line_length` is the URI's length.
LineState find_request_line(std::string_view received, std::size_t& line_length);

}  // namespace kapsel::gemini
