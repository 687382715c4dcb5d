// server.listen entries: "ADDR:PORT" or "[V6ADDR]:PORT", IP addresses only, and which two
// entries could not both bind.

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <cstring>
#include <stdexcept>

#include "config/config.hpp"
#include "text/ascii.hpp"

namespace kapsel::config {
namespace {

bool is_wildcard(const ListenAddress& a) { return a.host == "0.0.0.0" || a.host == "::"; }
bool is_v6(const ListenAddress& a) { return a.host.find(':') != std::string::npos; }

}  // namespace

std::string ListenAddress::to_string() const {
    if (is_v6(*this)) return "[" + host + "]:" + std::to_string(port);
    return host + ":" + std::to_string(port);
}

ListenAddress parse_listen_address(const std::string& text) {
    ListenAddress out;
    std::string port_text;
    if (!text.empty() && text.front() == '[') {
        const auto close = text.find(']');
        if (close == std::string::npos || close + 1 >= text.size() || text[close + 1] != ':')
            throw std::invalid_argument("'" + text + "' is not ADDRESS:PORT (IPv6 as [ADDRESS]:PORT)");
        out.host = text.substr(1, close - 1);
        port_text = text.substr(close + 2);
    } else {
        const auto colon = text.rfind(':');
        if (colon == std::string::npos || text.find(':') != colon)
            throw std::invalid_argument("'" + text + "' is not ADDRESS:PORT (IPv6 as [ADDRESS]:PORT)");
        out.host = text.substr(0, colon);
        port_text = text.substr(colon + 1);
    }
    if (out.host.empty()) throw std::invalid_argument("'" + text + "' has no address");
    // The address itself, never a name: what `check` accepts must bind the same way at every
    // start, whatever a resolver answers then.
    unsigned char ip[sizeof(in6_addr)];
    if (::inet_pton(is_v6(out) ? AF_INET6 : AF_INET, out.host.c_str(), ip) != 1)
        throw std::invalid_argument("'" + out.host + "' is not an IP address (" + text +
                                    "); listen on an address such as 127.0.0.1 or [::1], host names are not resolved");
    if (port_text.empty() || port_text.size() > 5 ||
        !std::all_of(port_text.begin(), port_text.end(), [](char c) { return text::is_digit(c); }))
        throw std::invalid_argument("'" + text + "' has no valid port");
    const long port = std::stol(port_text);
    if (port > 65535) throw std::invalid_argument("port " + port_text + " is out of range (0-65535)");
    out.port = static_cast<std::uint16_t>(port);
    return out;
}

std::optional<ListenAddress> overlapping_listener(const std::vector<ListenAddress>& earlier, const ListenAddress& a) {
    if (a.port == 0) return std::nullopt;  // every port 0 gets a port of its own
    for (const auto& e : earlier) {
        if (e.port != a.port || is_v6(e) != is_v6(a)) continue;
        unsigned char x[sizeof(in6_addr)], y[sizeof(in6_addr)];
        const int family = is_v6(a) ? AF_INET6 : AF_INET;
        const bool same = ::inet_pton(family, e.host.c_str(), x) == 1 && ::inet_pton(family, a.host.c_str(), y) == 1 &&
                          std::memcmp(x, y, is_v6(a) ? 16 : 4) == 0;
        if (same || is_wildcard(e) || is_wildcard(a)) return e;
    }
    return std::nullopt;
}

}  // namespace kapsel::config
