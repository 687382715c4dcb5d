#pragma once
/// The PROXY protocol header (HAProxy's proxy-protocol.txt, versions 1 and 2) that a proxy in
/// front of kapsel sends before the TLS ClientHello: the bytes received so far in, the client's
/// addresses out, or how many bytes to wait for, or exactly what is wrong.

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace kapsel::proxy {

/// What a listener takes. `any` tells the versions apart by the first byte ('P' or '\r').
/// (The spec forbids guessing whether a header is there at all: every listener that accepts
/// the protocol requires one.)
enum class Accepted { v1, v2, any };

/// One end of the proxied TCP connection, in network byte order.
struct Endpoint {
    bool v6 = false;
    std::array<unsigned char, 16> address{};  // IPv4 in the first 4 bytes, the other 12 zero
    std::uint16_t port = 0;

    friend bool operator==(const Endpoint&, const Endpoint&) = default;
};

/// A complete, valid header.
struct Header {
    int version = 1;  // 1 or 2
    /// The connection's own addresses apply: v1 UNKNOWN, v2 LOCAL (a health check), or v2 PROXY
    /// with the UNSPEC family. Then `source` and `destination` are empty; otherwise both are set,
    /// of the same family.
    bool local = false;
    std::optional<Endpoint> source, destination;
    /// v2 PP2_TYPE_AUTHORITY (the client's SNI, as the proxy saw it): raw bytes, not validated,
    /// as untrusted as any client's. Only from a PROXY command; never in v1.
    std::optional<std::string> authority;
    /// Bytes the header takes: the TLS ClientHello starts right after.
    std::size_t length = 0;

    friend bool operator==(const Header&, const Header&) = default;
};

/// What was received is a prefix of a valid header and could still become one: read until
/// there are at least this many bytes (always more than received; never more than the header
/// will take, so reading exactly this many never swallows a byte of the ClientHello).
struct NeedMore {
    std::size_t at_least = 0;
};

/// Not a valid header, nor the start of one, or not the version the listener takes: close
/// the connection. `why` is for the log.
struct Invalid {
    std::string why;
};

using Parsed = std::variant<Header, NeedMore, Invalid>;

/// The spec's longest v1 line, CRLF included ("PROXY UNKNOWN" with two full IPv6 addresses).
inline constexpr std::size_t max_v1_length = 107;
/// Our bound on a v2 header: the 16 fixed bytes and at most 1024 bytes of addresses and TLVs
/// (HAProxy's largest, an IPv6 block with an authority of 255 bytes, ALPN, a unique id of 128
/// bytes and the SSL TLVs, stays well below). A longer length field is Invalid at once, so a
/// client cannot make us buffer 64 KB.
inline constexpr std::size_t max_v2_payload = 1024;
inline constexpr std::size_t max_v2_length = 16 + max_v2_payload;

/// Parses the start of a connection. Exactly the spec, with these decisions:
/// - v1: "PROXY" SP ("TCP4" | "TCP6") SP src SP dst SP sport SP dport CRLF, or "PROXY" SP
///   "UNKNOWN" followed by anything up to the CRLF; at most 107 bytes. IPv4 addresses are dotted
///   quads without leading zeros, IPv6 addresses what inet_pton(AF_INET6) accepts, each of the
///   family its protocol names; ports 0–65535 in decimal, without sign or leading zeros. A CR
///   or LF anywhere but in the final CRLF is Invalid, after UNKNOWN too: a sender that ends the
///   line with LF alone would otherwise hold the connection until the timeout.
/// - v2: the signature, version 2, command LOCAL or PROXY, a defined family byte, a length of
///   at most 1024. LOCAL: the block is skipped uninterpreted, as the spec says. PROXY: TCP over
///   IPv4 (0x11) or IPv6 (0x21) with a block at least as long as its addresses, or UNSPEC
///   (0x00, treated like v1 UNKNOWN); UDP (0x12, 0x22) and unix sockets (0x31, 0x32) are
///   Invalid, since a Gemini connection is TCP from an IP address, and accepting them as local
///   would silently pool every such client under the proxy's own address. What follows the
///   addresses must be TLVs (type, 2-byte length, value) that fill the block exactly. TLVs are
///   not interpreted, except PP2_TYPE_AUTHORITY (one at most); PP2_TYPE_CRC32C is not verified
///   (the spec makes that conditional on support).
/// - NeedMore only while what was received can still become a valid header within the bounds,
///   so a client sending anything else is refused at its first wrong byte.
/// Bytes after a complete header never change the result.
Parsed parse_proxy_header(std::string_view received, Accepted accepted);

/// The v1 line for `header` (addresses in canonical form: IPv6 per RFC 5952), or
/// "PROXY UNKNOWN\r\n" when it is local. The authority has no place in v1 and is dropped.
std::string encode_v1(const Header& header);

/// The v2 header for `header`: PROXY with TCP4/TCP6 addresses, or LOCAL when it is local;
/// the authority as a PP2_TYPE_AUTHORITY TLV (then a local header is PROXY with UNSPEC, the only
/// local form that carries TLVs). Precondition: an authority shorter than 1024 bytes.
std::string encode_v2(const Header& header);

}  // namespace kapsel::proxy
