#include "limits/client_address.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cstring>

namespace kapsel::limits {
namespace {

std::string address_text(bool v6, const unsigned char* bytes) {
    char buf[INET6_ADDRSTRLEN];
    if (!::inet_ntop(v6 ? AF_INET6 : AF_INET, bytes, buf, sizeof buf)) return "?";
    return buf;
}

}  // namespace

ClientAddress ClientAddress::ipv4(const std::array<unsigned char, 4>& address, std::uint16_t port) {
    ClientAddress a;
    std::copy(address.begin(), address.end(), a.bytes.begin());
    a.port = port;
    return a;
}

ClientAddress ClientAddress::ipv6(const std::array<unsigned char, 16>& address, std::uint16_t port) {
    static constexpr unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF};
    if (std::memcmp(address.data(), mapped, sizeof mapped) == 0)
        return ipv4({address[12], address[13], address[14], address[15]}, port);
    ClientAddress a;
    a.v6 = true;
    a.bytes = address;
    a.port = port;
    return a;
}

std::string endpoint_text(const ClientAddress& a) {
    const std::string address = address_text(a.v6, a.bytes.data());
    const std::string port = std::to_string(a.port);
    return a.v6 ? "[" + address + "]:" + port : address + ":" + port;
}

std::string limit_key(const ClientAddress& a) {
    if (!a.v6) return address_text(false, a.bytes.data());
    std::array<unsigned char, 16> prefix = a.bytes;
    std::fill(prefix.begin() + 8, prefix.end(), 0);
    return address_text(true, prefix.data()) + "/64";
}

}  // namespace kapsel::limits
