#pragma once
/// Capsule paths written into URLs: percent-encoding and gemini:// base URLs.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace kapsel::syndication {

/// Percent-encodes every byte of `path` that may not appear literally in a URI path
/// (RFC 3986 pchar plus "/"), including spaces and all non-ASCII bytes.
std::string encode_path(std::string_view path);

/// "gemini://HOST/" or, when the port clients use is not 1965, "gemini://HOST:PORT/".
/// An IPv6 literal is bracketed.
std::string base_url(std::string_view host, std::optional<std::uint16_t> public_port);

/// `base` ("gemini://host/") joined with an absolute capsule path ("/a b.gmi"), encoded.
std::string absolute_url(std::string_view base, std::string_view path);

}  // namespace kapsel::syndication
