#pragma once
/// Who a connection is from, as caps and rate limits count clients: an IPv4 address as it
/// is, an IPv6 address by its /64 (one host usually holds a whole /64, and a client that
/// rotates through it must not get 2^64 buckets). Pure: bytes in, text out.

#include <array>
#include <cstdint>
#include <string>

namespace kapsel::limits {

struct ClientAddress {
    bool v6 = false;
    std::array<unsigned char, 16> bytes{};  // IPv4 in the first 4
    std::uint16_t port = 0;

    static ClientAddress ipv4(const std::array<unsigned char, 4>& address, std::uint16_t port);
    /// An IPv4-mapped address (::ffff:a.b.c.d) becomes the IPv4 address it maps.
    static ClientAddress ipv6(const std::array<unsigned char, 16>& address, std::uint16_t port);
};

/// "127.0.0.1:51234", "[2001:db8::1]:51234": for logs.
std::string endpoint_text(const ClientAddress& a);

/// "127.0.0.1", "2001:db8::/64": what caps and rate limits count.
std::string limit_key(const ClientAddress& a);

}  // namespace kapsel::limits
