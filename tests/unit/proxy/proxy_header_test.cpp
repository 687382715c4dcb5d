// PROXY protocol headers, versions 1 and 2: the spec's examples and bounds, every malformed
// form, NeedMore exactly while a header is still possible, addresses against inet_pton, the
// listener's version, bytes after the header, and the encoders.

#include "proxy/proxy_header.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>

#include <cstring>
#include <ostream>
#include <optional>
#include <string>
#include <vector>

namespace kapsel::proxy {

// Readable failures (found by ADL).
void PrintTo(const Endpoint& e, std::ostream* os) {
    char text[INET6_ADDRSTRLEN] = "?";
    ::inet_ntop(e.v6 ? AF_INET6 : AF_INET, e.address.data(), text, sizeof text);
    *os << (e.v6 ? "[" : "") << text << (e.v6 ? "]:" : ":") << e.port;
}

void PrintTo(const Header& h, std::ostream* os) {
    *os << "{v" << h.version << (h.local ? " local" : "");
    if (h.source) PrintTo(*h.source, &(*os << " "));
    if (h.destination) PrintTo(*h.destination, &(*os << " -> "));
    if (h.authority) *os << " authority \"" << *h.authority << "\"";
    *os << ", " << h.length << " bytes}";
}

namespace {

using namespace std::string_literals;

std::string describe(std::string_view s) {
    std::string out;
    for (unsigned char c : s) {
        if (c < 0x20 || c >= 0x7F) {
            static constexpr char hex[] = "0123456789ABCDEF";
            out += "\\x";
            out += hex[c >> 4];
            out += hex[c & 0xF];
        } else {
            out += static_cast<char>(c);
        }
    }
    return out.size() > 120 ? out.substr(0, 120) + "...(" + std::to_string(s.size()) + " bytes)" : out;
}

std::string describe(const Parsed& parsed) {
    if (const auto* invalid = std::get_if<Invalid>(&parsed)) return "Invalid: " + invalid->why;
    if (const auto* more = std::get_if<NeedMore>(&parsed)) return "NeedMore " + std::to_string(more->at_least);
    return "Header of " + std::to_string(std::get<Header>(parsed).length) + " bytes";
}

Endpoint v4(std::string_view text, std::uint16_t port) {
    Endpoint e;
    EXPECT_EQ(::inet_pton(AF_INET, std::string(text).c_str(), e.address.data()), 1) << text;
    e.port = port;
    return e;
}

Endpoint v6(std::string_view text, std::uint16_t port) {
    Endpoint e;
    e.v6 = true;
    EXPECT_EQ(::inet_pton(AF_INET6, std::string(text).c_str(), e.address.data()), 1) << text;
    e.port = port;
    return e;
}

Header proxied(int version, Endpoint source, Endpoint destination, std::size_t length,
               std::optional<std::string> authority = std::nullopt) {
    Header h;
    h.version = version;
    h.source = source;
    h.destination = destination;
    h.length = length;
    h.authority = std::move(authority);
    return h;
}

Header local(int version, std::size_t length, std::optional<std::string> authority = std::nullopt) {
    Header h;
    h.version = version;
    h.local = true;
    h.length = length;
    h.authority = std::move(authority);
    return h;
}

const std::string signature("\r\n\r\n\0\r\nQUIT\n", 12);

std::string u16(std::size_t n) { return {static_cast<char>(n >> 8), static_cast<char>(n & 0xFF)}; }

// A v2 header with the given version/command and family bytes, length and block.
std::string v2_with_length(unsigned char ver_cmd, unsigned char family, std::size_t length, const std::string& block) {
    return signature + static_cast<char>(ver_cmd) + static_cast<char>(family) + u16(length) + block;
}

std::string v2(unsigned char ver_cmd, unsigned char family, const std::string& block) {
    return v2_with_length(ver_cmd, family, block.size(), block);
}

std::string tlv(unsigned char type, const std::string& value) {
    return static_cast<char>(type) + u16(value.size()) + value;
}

const std::string ipv4_block = "\xC0\x00\x02\x01" "\xC6\x33\x64\x07" "\xDC\x04" "\x07\xAD"s;  // 192.0.2.1:56324 → 198.51.100.7:1965
const std::string ipv6_block = "\x20\x01\x0D\xB8\0\0\0\0\0\0\0\0\0\0\0\x01"s   // 2001:db8::1
                               "\x20\x01\x0D\xB8\0\0\0\0\0\0\0\0\0\0\0\x02"s   // 2001:db8::2
                               "\xC3\x50" "\x07\xAD"s;                          // 50000 → 1965
const Endpoint ipv4_source = v4("192.0.2.1", 56324);
const Endpoint ipv4_destination = v4("198.51.100.7", 1965);
const Endpoint ipv6_source = v6("2001:db8::1", 50000);
const Endpoint ipv6_destination = v6("2001:db8::2", 1965);

const std::string ffff8 = "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff";
const std::string client_hello = "\x16\x03\x01\x02\x00\x01\x00\x01\xFC\x03\x03"s;

// ---------------------------------------------------------------------------------------
// Valid headers

struct AcceptRow {
    std::string input;  // exactly the header
    Header expected;
};

const std::vector<AcceptRow> valid = {
    // Version 1: the spec's example and its longest lines.
    {"PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\r\n",
     proxied(1, v4("192.168.0.1", 56324), v4("192.168.0.11", 443), 47)},
    {"PROXY TCP4 255.255.255.255 255.255.255.255 65535 65535\r\n",
     proxied(1, v4("255.255.255.255", 65535), v4("255.255.255.255", 65535), 56)},
    {"PROXY TCP6 " + ffff8 + " " + ffff8 + " 65535 65535\r\n",
     proxied(1, v6(ffff8, 65535), v6(ffff8, 65535), 104)},
    {"PROXY UNKNOWN\r\n", local(1, 15)},
    {"PROXY UNKNOWN " + ffff8 + " " + ffff8 + " 65535 65535\r\n", local(1, 107)},
    // Version 1: every address and port form.
    {"PROXY TCP4 0.0.0.0 0.0.0.0 0 0\r\n", proxied(1, v4("0.0.0.0", 0), v4("0.0.0.0", 0), 32)},
    {"PROXY TCP4 10.0.0.1 127.0.0.1 1 1965\r\n", proxied(1, v4("10.0.0.1", 1), v4("127.0.0.1", 1965), 38)},
    {"PROXY TCP6 2001:db8::1 2001:db8::2 50000 1965\r\n", proxied(1, ipv6_source, ipv6_destination, 47)},
    {"PROXY TCP6 :: :: 0 0\r\n", proxied(1, v6("::", 0), v6("::", 0), 22)},
    {"PROXY TCP6 ::1 1:: 1 2\r\n", proxied(1, v6("::1", 1), v6("1::", 2), 24)},
    {"PROXY TCP6 2001:DB8::A 2001:Db8::b 1 2\r\n", proxied(1, v6("2001:db8::a", 1), v6("2001:db8::b", 2), 40)},
    {"PROXY TCP6 0001:0002:0003:0004:0005:0006:0007:0008 1:2:3:4:5:6:7:8 1 2\r\n",
     proxied(1, v6("1:2:3:4:5:6:7:8", 1), v6("1:2:3:4:5:6:7:8", 2), 72)},
    {"PROXY TCP6 ::ffff:192.0.2.1 1:2:3:4:5:6:1.2.3.4 1 2\r\n",
     proxied(1, v6("::ffff:192.0.2.1", 1), v6("1:2:3:4:5:6:1.2.3.4", 2), 53)},
    {"PROXY TCP6 1:2:3:4:5:6:7:: ::2:3:4:5:6:7:8 1 2\r\n",
     proxied(1, v6("1:2:3:4:5:6:7::", 1), v6("::2:3:4:5:6:7:8", 2), 48)},
    // Version 1, UNKNOWN: anything up to the CRLF (but a CR or LF).
    {"PROXY UNKNOWN TCP4 1.2.3.4 5.6.7.8 1 2\r\n", local(1, 40)},
    {"PROXY UNKNOWNblah\r\n", local(1, 19)},
    {"PROXY UNKNOWN \x01\x7F\xFF\0 x\r\n"s, local(1, 22)},
    {"PROXY UNKNOWN" + std::string(92, ' ') + "\r\n", local(1, 107)},
    // Version 2: PROXY over TCP4 and TCP6, with and without TLVs.
    {v2(0x21, 0x11, ipv4_block), proxied(2, ipv4_source, ipv4_destination, 28)},
    {v2(0x21, 0x21, ipv6_block), proxied(2, ipv6_source, ipv6_destination, 52)},
    {v2(0x21, 0x11, ipv4_block + tlv(0x02, "example.org") + tlv(0x04, "") + tlv(0xE0, "xyz")),
     proxied(2, ipv4_source, ipv4_destination, 28 + 14 + 3 + 6, "example.org")},
    {v2(0x21, 0x21, ipv6_block + tlv(0x01, "gemini") + tlv(0x05, std::string(128, 'u')) +
                        tlv(0x20, "\x01\0\0\0\0"s + tlv(0x21, "TLSv1.3") + tlv(0x22, "cn")) + tlv(0x02, "")),
     proxied(2, ipv6_source, ipv6_destination, 52 + 9 + 131 + 23 + 3, "")},
    {v2(0x21, 0x11, ipv4_block + tlv(0x03, "\0\0\0\0"s)), proxied(2, ipv4_source, ipv4_destination, 35)},
    // The 1024-byte bound, exactly.
    {v2(0x21, 0x11, ipv4_block + tlv(0x04, std::string(1024 - 12 - 3, '\0'))),
     proxied(2, ipv4_source, ipv4_destination, 1040)},
    // As HAProxy sends it (172.19.0.1:42578 → 172.19.0.3:80).
    {signature + "\x21\x11\x00\x0C\xAC\x13\x00\x01\xAC\x13\x00\x03\xA6\x52\x00\x50"s,
     proxied(2, v4("172.19.0.1", 42578), v4("172.19.0.3", 80), 28)},
    // LOCAL (health checks): the block is skipped, whatever it holds and whatever the family.
    {v2(0x20, 0x00, ""), local(2, 16)},
    {v2(0x20, 0x11, ipv4_block), local(2, 28)},
    {v2(0x20, 0x00, "\x02\xFF\xFF not TLVs"s), local(2, 28)},
    {v2(0x20, 0x12, ""), local(2, 16)},
    {v2(0x20, 0x22, ""), local(2, 16)},
    {v2(0x20, 0x31, std::string(216, '\0')), local(2, 232)},
    {v2(0x20, 0x32, ""), local(2, 16)},
    {v2(0x20, 0x11, std::string(1024, '\xFF')), local(2, 1040)},
    // PROXY with UNSPEC: like v1 UNKNOWN, the connection's addresses; TLVs still framed.
    {v2(0x21, 0x00, ""), local(2, 16)},
    {v2(0x21, 0x00, tlv(0x02, "capsule.example")), local(2, 34, "capsule.example")},
};

TEST(ProxyHeader, ParsesEveryValidForm) {
    for (const auto& row : valid) {
        SCOPED_TRACE(describe(row.input));
        const auto parsed = parse_proxy_header(row.input, row.expected.version == 1 ? Accepted::v1 : Accepted::v2);
        const auto* header = std::get_if<Header>(&parsed);
        ASSERT_NE(header, nullptr) << describe(parsed);
        EXPECT_EQ(header->version, row.expected.version);
        EXPECT_EQ(header->local, row.expected.local);
        EXPECT_EQ(header->source, row.expected.source);
        EXPECT_EQ(header->destination, row.expected.destination);
        EXPECT_EQ(header->authority, row.expected.authority);
        EXPECT_EQ(header->length, row.input.size());
        EXPECT_EQ(header->length, row.expected.length);
    }
}

TEST(ProxyHeader, AnyListenerTellsTheVersionByTheFirstByte) {
    for (const auto& row : valid) {
        SCOPED_TRACE(describe(row.input));
        const auto parsed = parse_proxy_header(row.input, Accepted::any);
        ASSERT_TRUE(std::holds_alternative<Header>(parsed)) << describe(parsed);
        EXPECT_EQ(std::get<Header>(parsed), row.expected);
    }
}

TEST(ProxyHeader, BytesAfterTheHeaderChangeNothing) {
    for (const auto& row : valid) {
        for (const std::string& after : {client_hello, "\r\n"s, "PROXY UNKNOWN\r\n"s, std::string(2000, 'x')}) {
            SCOPED_TRACE(describe(row.input + after));
            const auto parsed = parse_proxy_header(row.input + after, Accepted::any);
            ASSERT_TRUE(std::holds_alternative<Header>(parsed)) << describe(parsed);
            EXPECT_EQ(std::get<Header>(parsed), row.expected);
        }
    }
}

TEST(ProxyHeader, EveryPrefixOfAValidHeaderNeedsMore) {
    for (const auto& row : valid) {
        for (const Accepted accepted : {Accepted::any, row.expected.version == 1 ? Accepted::v1 : Accepted::v2}) {
            std::size_t previous = 0;
            for (std::size_t k = 0; k < row.input.size(); ++k) {
                SCOPED_TRACE(describe(row.input.substr(0, k)));
                const auto parsed = parse_proxy_header(row.input.substr(0, k), accepted);
                const auto* more = std::get_if<NeedMore>(&parsed);
                ASSERT_NE(more, nullptr) << describe(parsed);
                EXPECT_GT(more->at_least, k);
                EXPECT_LE(more->at_least, row.input.size());  // never past the ClientHello
                EXPECT_GE(more->at_least, previous);
                previous = more->at_least;
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// Invalid headers

struct RejectRow {
    std::string input;
    Accepted accepted;
    std::string why;
};

const std::string tcp4_tail = " 1.2.3.4 5.6.7.8 1 2\r\n";

const std::vector<RejectRow> invalid = {
    // Not the protocol at all: refused at the first byte that cannot belong to a header.
    {"GET / HTTP/1.1\r\n", Accepted::v1, "not a PROXY protocol header"},
    {"GET / HTTP", Accepted::v1, "not a PROXY protocol header"},
    {"G", Accepted::any, "not a PROXY protocol header"},
    {client_hello, Accepted::any, "not a PROXY protocol header"},
    {client_hello, Accepted::v2, "not a PROXY protocol version 2 header"},
    {"proxy TCP4" + tcp4_tail, Accepted::v1, "not a PROXY protocol header"},
    {"PROXy", Accepted::v1, "not a PROXY protocol header"},
    {"PROXYTCP4" + tcp4_tail, Accepted::v1, "expected one space after PROXY"},
    {"PROXY\tTCP4" + tcp4_tail, Accepted::v1, "expected one space after PROXY"},
    {"PROXY\r\n", Accepted::v1, "expected one space after PROXY"},
    // The listener's version.
    {"PROXY TCP4" + tcp4_tail, Accepted::v2, "a version 1 header, but this listener takes version 2"},
    {"PRO", Accepted::v2, "a version 1 header, but this listener takes version 2"},
    {v2(0x21, 0x11, ipv4_block), Accepted::v1, "a version 2 header, but this listener takes version 1"},
    {"\r\n\r\n", Accepted::v1, "a version 2 header, but this listener takes version 1"},
    // v1: the protocol.
    {"PROXY  TCP4" + tcp4_tail, Accepted::v1, "unknown protocol (not TCP4, TCP6 or UNKNOWN)"},
    {"PROXY tcp4" + tcp4_tail, Accepted::v1, "unknown protocol (not TCP4, TCP6 or UNKNOWN)"},
    {"PROXY TCP5" + tcp4_tail, Accepted::v1, "unknown protocol (not TCP4, TCP6 or UNKNOWN)"},
    {"PROXY UDP4" + tcp4_tail, Accepted::v1, "unknown protocol (not TCP4, TCP6 or UNKNOWN)"},
    {"PROXY UNKNOW\r\n", Accepted::v1, "unknown protocol (not TCP4, TCP6 or UNKNOWN)"},
    {"PROXY unknown\r\n", Accepted::v1, "unknown protocol (not TCP4, TCP6 or UNKNOWN)"},
    {"PROXY \r\n", Accepted::v1, "unknown protocol (not TCP4, TCP6 or UNKNOWN)"},
    {"PROXY TCP44" + tcp4_tail, Accepted::v1, "expected one space after the protocol"},
    {"PROXY TCP4\t1.2.3.4 5.6.7.8 1 2\r\n", Accepted::v1, "expected one space after the protocol"},
    // v1: spaces and missing fields.
    {"PROXY TCP4  1.2.3.4 5.6.7.8 1 2\r\n", Accepted::v1, "expected exactly one space between fields"},
    {"PROXY TCP4 1.2.3.4  5.6.7.8 1 2\r\n", Accepted::v1, "expected exactly one space between fields"},
    {"PROXY TCP4 1.2.3.4 5.6.7.8  1 2\r\n", Accepted::v1, "expected exactly one space between fields"},
    {"PROXY TCP4 1.2.3.4 5.6.7.8 1  2\r\n", Accepted::v1, "expected exactly one space between fields"},
    {"PROXY TCP4 1.2.3.4 5.6.7.8 1 2 \r\n", Accepted::v1, "expected CRLF after the destination port"},
    {"PROXY TCP4 1.2.3.4 5.6.7.8 1 2 3\r\n", Accepted::v1, "expected CRLF after the destination port"},
    {"PROXY TCP4\r\n", Accepted::v1, "missing source address"},
    {"PROXY TCP4 \r\n", Accepted::v1, "missing source address"},
    {"PROXY TCP4 1.2.3.4\r\n", Accepted::v1, "missing destination address"},
    {"PROXY TCP4 1.2.3.4 5.6.7.8\r\n", Accepted::v1, "missing source port"},
    {"PROXY TCP4 1.2.3.4 5.6.7.8 1\r\n", Accepted::v1, "missing destination port"},
    {"PROXY TCP4 1.2.3.4 5.6.7.8 1 \r\n", Accepted::v1, "missing destination port"},
    // v1: addresses of the wrong family, or not canonical.
    {"PROXY TCP4 ::1 ::1 1 2\r\n", Accepted::v1, "source address is not a canonical IPv4 address"},
    {"PROXY TCP4 1.2.3.4 ::1 1 2\r\n", Accepted::v1, "destination address is not a canonical IPv4 address"},
    {"PROXY TCP6 1.2.3.4 5.6.7.8 1 2\r\n", Accepted::v1, "source address is not an IPv6 address"},
    {"PROXY TCP6 ::1 5.6.7.8 1 2\r\n", Accepted::v1, "destination address is not an IPv6 address"},
    {"PROXY TCP4 01.2.3.4 5.6.7.8 1 2\r\n", Accepted::v1, "source address is not a canonical IPv4 address"},
    {"PROXY TCP4 1.2.3.04 5.6.7.8 1 2\r\n", Accepted::v1, "source address is not a canonical IPv4 address"},
    {"PROXY TCP4 1.2.3.00 5.6.7.8 1 2\r\n", Accepted::v1, "source address is not a canonical IPv4 address"},
    {"PROXY TCP4 1.2.3 5.6.7.8 1 2\r\n", Accepted::v1, "source address is not a canonical IPv4 address"},
    {"PROXY TCP4 1.2.3.4.5 5.6.7.8 1 2\r\n", Accepted::v1, "source address is not a canonical IPv4 address"},
    {"PROXY TCP4 1.2.3. 5.6.7.8 1 2\r\n", Accepted::v1, "source address is not a canonical IPv4 address"},
    {"PROXY TCP4 .1.2.3 5.6.7.8 1 2\r\n", Accepted::v1, "source address is not a canonical IPv4 address"},
    {"PROXY TCP4 1..2.3 5.6.7.8 1 2\r\n", Accepted::v1, "source address is not a canonical IPv4 address"},
    {"PROXY TCP4 256.1.1.1 5.6.7.8 1 2\r\n", Accepted::v1, "source address is not a canonical IPv4 address"},
    {"PROXY TCP4 0x7f.0.0.1 5.6.7.8 1 2\r\n", Accepted::v1, "source address is not a canonical IPv4 address"},
    {"PROXY TCP4 2130706433 5.6.7.8 1 2\r\n", Accepted::v1, "source address is not a canonical IPv4 address"},
    {"PROXY TCP6 [::1] ::1 1 2\r\n", Accepted::v1, "source address is not an IPv6 address"},
    {"PROXY TCP6 fe80::1%eth0 ::1 1 2\r\n", Accepted::v1, "source address is not an IPv6 address"},
    {"PROXY TCP6 1::2::3 ::1 1 2\r\n", Accepted::v1, "source address is not an IPv6 address"},
    {"PROXY TCP6 12345:: ::1 1 2\r\n", Accepted::v1, "source address is not an IPv6 address"},
    {"PROXY TCP6 1:2:3:4:5:6:7 ::1 1 2\r\n", Accepted::v1, "source address is not an IPv6 address"},
    // v1: ports.
    {"PROXY TCP4 1.2.3.4 5.6.7.8 65536 2\r\n", Accepted::v1, "invalid source port"},
    {"PROXY TCP4 1.2.3.4 5.6.7.8 1 65536\r\n", Accepted::v1, "invalid destination port"},
    {"PROXY TCP4 1.2.3.4 5.6.7.8 01 2\r\n", Accepted::v1, "invalid source port"},
    {"PROXY TCP4 1.2.3.4 5.6.7.8 00 2\r\n", Accepted::v1, "invalid source port"},
    {"PROXY TCP4 1.2.3.4 5.6.7.8 +1 2\r\n", Accepted::v1, "invalid source port"},
    {"PROXY TCP4 1.2.3.4 5.6.7.8 -1 2\r\n", Accepted::v1, "invalid source port"},
    {"PROXY TCP4 1.2.3.4 5.6.7.8 1a 2\r\n", Accepted::v1, "invalid source port"},
    {"PROXY TCP4 1.2.3.4 5.6.7.8 0x10 2\r\n", Accepted::v1, "invalid source port"},
    {"PROXY TCP4 1.2.3.4 5.6.7.8 1 99999999999999999999\r\n", Accepted::v1, "invalid destination port"},
    // v1: the line's end and its bound.
    {"PROXY TCP4 1.2.3.4 5.6.7.8 1 2\n", Accepted::v1, "LF without CR"},
    {"PROXY TCP4 1.2.3.4 5.6.7.8 1 2\n\r\n", Accepted::v1, "LF without CR"},
    {"PROXY TCP4 1.2.3.4 5.6.7.8 1 2\rX", Accepted::v1, "CR without LF"},
    {"PROXY TCP4 1.2.3.4 5.6.7.8 1 2\r\r\n", Accepted::v1, "CR without LF"},
    {"PROXY UNKNOWN\n", Accepted::v1, "LF without CR"},
    {"PROXY UNKNOWN a\nb\r\n", Accepted::v1, "LF without CR"},
    {"PROXY UNKNOWN a\rb\r\n", Accepted::v1, "CR without LF"},
    {"PROXY UNKNOWN" + std::string(93, ' ') + "\r\n", Accepted::v1, "no CRLF within 107 bytes"},  // 108
    {"PROXY UNKNOWN" + std::string(94, ' '), Accepted::v1, "no CRLF within 107 bytes"},           // 107, no CRLF
    {"PROXY UNKNOWN" + std::string(93, ' '), Accepted::v1, "no CRLF within 107 bytes"},           // 106: no room for CRLF
    {"PROXY UNKNOWN" + std::string(93, ' ') + "\r", Accepted::v1, "no CRLF within 107 bytes"},    // its LF would be byte 108
    {"PROXY UNKNOWN" + std::string(200, ' ') + "\r\n", Accepted::v1, "no CRLF within 107 bytes"},
    // The longest IPv6 forms (with a dotted tail, 45 characters) do not fit in 107 bytes.
    {"PROXY TCP6 ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255 ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255 1 2\r\n",
     Accepted::v1, "no CRLF within 107 bytes"},
    // v2: signature, version, command, family.
    {"\r\n\r\n\0\r\nQUIX\n\x21\x11\0\x0C"s + ipv4_block, Accepted::v2, "not a PROXY protocol version 2 header"},
    {"\r\n\r\n\r\n"s, Accepted::any, "not a PROXY protocol version 2 header"},
    {"\r\n\r\n\0\r\nquit\n"s, Accepted::v2, "not a PROXY protocol version 2 header"},
    {v2(0x11, 0x11, ipv4_block), Accepted::v2, "unsupported version 1"},
    {v2(0x31, 0x11, ipv4_block), Accepted::v2, "unsupported version 3"},
    {v2(0x01, 0x11, ipv4_block), Accepted::v2, "unsupported version 0"},
    {v2(0x22, 0x11, ipv4_block), Accepted::v2, "unknown command 2"},
    {v2(0x2F, 0x11, ipv4_block), Accepted::v2, "unknown command 15"},
    {v2(0x21, 0x13, ipv4_block), Accepted::v2, "undefined address family and transport 0x13"},
    {v2(0x21, 0x41, ipv4_block), Accepted::v2, "undefined address family and transport 0x41"},
    {v2(0x21, 0x01, ipv4_block), Accepted::v2, "undefined address family and transport 0x01"},
    {v2(0x21, 0x10, ipv4_block), Accepted::v2, "undefined address family and transport 0x10"},
    {v2(0x20, 0xFF, ""), Accepted::v2, "undefined address family and transport 0xFF"},  // LOCAL too
    {v2(0x21, 0x12, ipv4_block), Accepted::v2, "UDP is not accepted (Gemini runs over TCP)"},
    {v2(0x21, 0x22, ipv6_block), Accepted::v2, "UDP is not accepted (Gemini runs over TCP)"},
    {v2(0x21, 0x31, std::string(216, '\0')), Accepted::v2, "unix socket addresses are not accepted"},
    {v2(0x21, 0x32, std::string(216, '\0')), Accepted::v2, "unix socket addresses are not accepted"},
    // v2: lengths.
    {v2(0x21, 0x11, ipv4_block.substr(0, 11)), Accepted::v2, "length 11 too short for IPv4 addresses (12 bytes)"},
    {v2(0x21, 0x11, ""), Accepted::v2, "length 0 too short for IPv4 addresses (12 bytes)"},
    {v2(0x21, 0x21, ipv4_block), Accepted::v2, "length 12 too short for IPv6 addresses (36 bytes)"},
    {v2(0x21, 0x21, ipv6_block.substr(0, 35)), Accepted::v2, "length 35 too short for IPv6 addresses (36 bytes)"},
    {v2_with_length(0x21, 0x11, 1025, ipv4_block), Accepted::v2, "length above 1024 bytes"},
    {v2_with_length(0x20, 0x00, 1025, ""), Accepted::v2, "length above 1024 bytes"},
    {v2_with_length(0x21, 0x11, 0xFFFF, ipv4_block), Accepted::v2, "length above 1024 bytes"},
    {signature + "\x21\x11\x05"s, Accepted::v2, "length above 1024 bytes"},  // known from the first length byte
    // v2: TLV framing.
    {v2(0x21, 0x11, ipv4_block + "\x04"s), Accepted::v2, "TLVs do not fill the header (1 byte left)"},
    {v2(0x21, 0x11, ipv4_block + "\x04\x00"s), Accepted::v2, "TLVs do not fill the header (2 bytes left)"},
    {v2(0x21, 0x11, ipv4_block + tlv(0x04, "") + "xy"), Accepted::v2, "TLVs do not fill the header (2 bytes left)"},
    {v2(0x21, 0x11, ipv4_block + "\x01\x00\x0A" "abcde"s), Accepted::v2, "a TLV runs past the end of the header"},
    {v2(0x21, 0x11, ipv4_block + "\x01\x01\x00"s), Accepted::v2, "a TLV runs past the end of the header"},
    {v2(0x21, 0x11, ipv4_block + "\x01\xFF\xFF" + std::string(100, 'x')), Accepted::v2,
     "a TLV runs past the end of the header"},
    {v2(0x21, 0x00, "\x02\x00\x05" "abc"s), Accepted::v2, "a TLV runs past the end of the header"},
    {v2(0x21, 0x11, ipv4_block + tlv(0x02, "a") + tlv(0x02, "b")), Accepted::v2, "more than one authority TLV"},
    {v2(0x21, 0x11, ipv4_block + tlv(0x04, std::string(1024 - 12 - 3 + 1, '\0'))), Accepted::v2,
     "length above 1024 bytes"},
};

TEST(ProxyHeader, RejectsEveryMalformedForm) {
    for (const auto& row : invalid) {
        SCOPED_TRACE(describe(row.input));
        const auto parsed = parse_proxy_header(row.input, row.accepted);
        const auto* rejected = std::get_if<Invalid>(&parsed);
        ASSERT_NE(rejected, nullptr) << describe(parsed);
        EXPECT_EQ(rejected->why, row.why);
        // More bytes never rescue it.
        EXPECT_TRUE(std::holds_alternative<Invalid>(parse_proxy_header(row.input + client_hello, row.accepted)));
    }
}

// A malformed header is refused as soon as the byte that breaks it arrives, not at its end.
struct EarlyRow {
    std::string input;  // the bytes received so far
    Accepted accepted;
};

const std::vector<EarlyRow> dead_prefixes = {
    {"X", Accepted::v1},
    {"PROXY  ", Accepted::v1},
    {"PROXY TCP5", Accepted::v1},
    {"PROXY TCP4 1.2.3.4 5.6.7.8 1 2 ", Accepted::v1},
    {"PROXY TCP4 01", Accepted::v1},
    {"PROXY TCP4 1.2.3.256", Accepted::v1},
    {"PROXY TCP4 1.2.3.4.", Accepted::v1},
    {"PROXY TCP4 1.2.3 ", Accepted::v1},
    {"PROXY TCP4 ::", Accepted::v1},
    {"PROXY TCP6 1.", Accepted::v1},  // an IPv4 tail needs six groups or "::" before it
    {"PROXY TCP6 :1", Accepted::v1},
    {"PROXY TCP6 :::", Accepted::v1},
    {"PROXY TCP6 1::2::", Accepted::v1},
    {"PROXY TCP6 12345", Accepted::v1},
    {"PROXY TCP6 1:2:3:4:5:6:7:8:", Accepted::v1},
    {"PROXY TCP6 1:2:3:4:5:6:7:8::", Accepted::v1},
    {"PROXY TCP6 1:2:3:4:5:6:7::1", Accepted::v1},
    {"PROXY TCP6 1:2:3:4:5:6:7 ", Accepted::v1},
    {"PROXY TCP6 ::1.2.3.4:", Accepted::v1},
    {"PROXY TCP4 1.2.3.4 5.6.7.8 00", Accepted::v1},
    {"PROXY TCP4 1.2.3.4 5.6.7.8 65536", Accepted::v1},
    {"PROXY TCP4 1.2.3.4 5.6.7.8 1 2\r\r", Accepted::v1},
    {"PROXY UNKNOWN\n", Accepted::v1},
    {"\r\n\r\n\0\r\nQUIT\n\x22"s, Accepted::v2},
    {"\r\n\r\n\0\r\nQUIT\n\x21\x12"s, Accepted::v2},
    {"\r\n\r\n\0\r\nQUIT\n\x21\x11\x00\x0B"s, Accepted::v2},
    {"\r\n\r\n\0\r\nQUIT\n\x21\x11\x00\x0E"s, Accepted::v2},  // 2 bytes after the addresses can never be a TLV
    {"\r\n\r\n\0\r\nQUIT\n\x21\x11\x00\x20"s + ipv4_block + "\x01\x01"s, Accepted::v2},  // 256+ bytes in 17
};

TEST(ProxyHeader, RefusesAtTheFirstByteThatCannotBelong) {
    for (const auto& row : dead_prefixes) {
        SCOPED_TRACE(describe(row.input));
        const auto parsed = parse_proxy_header(row.input, row.accepted);
        EXPECT_TRUE(std::holds_alternative<Invalid>(parsed)) << describe(parsed);
    }
}

// ---------------------------------------------------------------------------------------
// NeedMore: how many bytes the shortest header these bytes can still become takes.

struct MoreRow {
    std::string input;
    Accepted accepted;
    std::size_t at_least;
};

const std::vector<MoreRow> incomplete = {
    {"", Accepted::any, 15},  // "PROXY UNKNOWN\r\n"
    {"", Accepted::v1, 15},
    {"", Accepted::v2, 16},
    {"P", Accepted::any, 15},
    {"PRO", Accepted::v1, 15},
    {"PROXY", Accepted::v1, 15},
    {"PROXY ", Accepted::v1, 15},
    {"PROXY U", Accepted::v1, 15},
    {"PROXY UNKNOWN", Accepted::v1, 15},
    {"PROXY UNKNOWN\r", Accepted::v1, 15},
    {"PROXY UNKNOWN 1.2.3.4", Accepted::v1, 23},
    {"PROXY T", Accepted::v1, 22},                // "PROXY TCP6 :: :: 0 0\r\n"
    {"PROXY TCP4", Accepted::v1, 32},             // "PROXY TCP4 0.0.0.0 0.0.0.0 0 0\r\n"
    {"PROXY TCP4 ", Accepted::v1, 32},
    {"PROXY TCP4 1.2", Accepted::v1, 32},         // "1.2.0.0"
    {"PROXY TCP4 1.2.", Accepted::v1, 32},
    {"PROXY TCP4 1.2.3.4", Accepted::v1, 32},
    {"PROXY TCP4 192.168.0.1 192.168.0.11 5", Accepted::v1, 41},
    {"PROXY TCP4 192.168.0.1 192.168.0.11 56324 443", Accepted::v1, 47},
    {"PROXY TCP6", Accepted::v1, 22},
    {"PROXY TCP6 ", Accepted::v1, 22},
    {"PROXY TCP6 :", Accepted::v1, 22},
    {"PROXY TCP6 1", Accepted::v1, 23},           // "1::"
    {"PROXY TCP6 1:2:3:4:5:6:7", Accepted::v1, 35},  // "...:7::" or "...:7:8"
    {"PROXY TCP6 1:2:3:4:5:6:7:8", Accepted::v1, 35},
    {"PROXY TCP6 ::1.2", Accepted::v1, 29},       // "::1.2.0.0"
    {"PROXY TCP6 :: ::", Accepted::v1, 22},
    {"\r", Accepted::any, 16},
    {"\r\n\r\n\0\r\nQUIT\n"s, Accepted::v2, 16},
    {"\r\n\r\n\0\r\nQUIT\n\x21\x11\x00"s, Accepted::v2, 16},
    {"\r\n\r\n\0\r\nQUIT\n\x21\x11\x00\x0C"s, Accepted::v2, 28},
    {"\r\n\r\n\0\r\nQUIT\n\x21\x11\x00\x0C"s + ipv4_block.substr(0, 11), Accepted::v2, 28},
    {"\r\n\r\n\0\r\nQUIT\n\x21\x11\x00\x20"s + ipv4_block + "\x02"s, Accepted::v2, 48},
    {"\r\n\r\n\0\r\nQUIT\n\x21\x11\x00\x20"s + ipv4_block + "\x02\x00"s, Accepted::v2, 48},
    {"\r\n\r\n\0\r\nQUIT\n\x21\x11\x00\x20"s + ipv4_block + "\x02\x00\x11"s, Accepted::v2, 48},
    {"\r\n\r\n\0\r\nQUIT\n\x20\x00\x04\x00"s, Accepted::v2, 1040},
};

TEST(ProxyHeader, NeedsMoreOnlyWhileAHeaderIsStillPossible) {
    for (const auto& row : incomplete) {
        SCOPED_TRACE(describe(row.input));
        const auto parsed = parse_proxy_header(row.input, row.accepted);
        const auto* more = std::get_if<NeedMore>(&parsed);
        ASSERT_NE(more, nullptr) << describe(parsed);
        EXPECT_EQ(more->at_least, row.at_least);
    }
}

// ---------------------------------------------------------------------------------------
// Addresses: exactly what inet_pton accepts, byte for byte.

const std::vector<std::string> ipv6_texts = {
    "::", "::1", "1::", "1::8", "1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7::", "::2:3:4:5:6:7:8",
    "::0:0:0:0:0:0:0", "0:0:0:0:0:0:0::", "FFFF::", "fFfF::AbCd", "0000:0000::0000", "2001:db8:0:0:1:0:0:1",
    "::ffff:1.2.3.4", "::1.2.3.4", "1:2:3:4:5:6:1.2.3.4", "1:2:3:4:5::1.2.3.4", "::255.255.255.255",
    // and what it refuses
    "", ":", ":::", "1:::2", "1::2::3", ":1::", "1::2:", "1:", "12345::", "g::", "1:2:3:4:5:6:7",
    "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7:8::", "::0:0:0:0:0:0:0:0", "1:2:3:4:5:6:7::8",
    "1:2:3:4:5:6:7:1.2.3.4", "1:2:3:4:5:6::1.2.3.4", "::1.2.3", "::01.2.3.4", "::256.0.0.0",
    "1.2.3.4", "::1.2.3.4:1", "::1.2.3.4.5", "1.2.3.4::", "fe80::1%eth0", "[::1]", "::1 ", "::-1",
    "00000::", "::ffff:1.2.3.04", "::1a.2.3.4",
};

TEST(ProxyHeader, Ipv6AddressesAreWhatInetPtonAccepts) {
    for (const auto& text : ipv6_texts) {
        SCOPED_TRACE(text);
        unsigned char expected[16];
        const bool accepts = ::inet_pton(AF_INET6, text.c_str(), expected) == 1;
        const auto parsed = parse_proxy_header("PROXY TCP6 " + text + " ::1 1 2\r\n", Accepted::v1);
        const auto* header = std::get_if<Header>(&parsed);
        ASSERT_EQ(header != nullptr, accepts) << describe(parsed);
        if (header) {
            EXPECT_EQ(std::memcmp(header->source->address.data(), expected, 16), 0);
        }
    }
}

const std::vector<std::string> ipv4_texts = {
    "0.0.0.0", "255.255.255.255", "1.2.3.4", "10.0.0.10", "192.168.100.200",
    "", "01.0.0.0", "0.0.0.00", "1.2.3", "1.2.3.4.", ".1.2.3.4", "1..2.3", "256.0.0.0", "1.2.3.4a",
    "0x1.2.3.4", "1.2.3.-4", "1.2.3.4.5", "1.2.3.999", "1", "1.2.3.4 ",
};

TEST(ProxyHeader, Ipv4AddressesAreCanonicalDottedQuads) {
    for (const auto& text : ipv4_texts) {
        SCOPED_TRACE(text);
        unsigned char expected[4];
        const bool accepts = ::inet_pton(AF_INET, text.c_str(), expected) == 1;
        const auto parsed = parse_proxy_header("PROXY TCP4 1.1.1.1 " + text + " 1 2\r\n", Accepted::v1);
        const auto* header = std::get_if<Header>(&parsed);
        ASSERT_EQ(header != nullptr, accepts) << describe(parsed);
        if (header) {
            EXPECT_EQ(std::memcmp(header->destination->address.data(), expected, 4), 0);
        }
    }
}

// ---------------------------------------------------------------------------------------
// Encoders

TEST(ProxyHeader, EncodesV1InCanonicalForm) {
    EXPECT_EQ(encode_v1(proxied(1, v4("192.168.0.1", 56324), v4("192.168.0.11", 443), 0)),
              "PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\r\n");
    EXPECT_EQ(encode_v1(proxied(2, v6("2001:0DB8:0:0:0:0:0:1", 1), v6("::", 0), 0)),
              "PROXY TCP6 2001:db8::1 :: 1 0\r\n");
    EXPECT_EQ(encode_v1(proxied(2, v6("1:0:0:2:0:0:0:3", 1), v6("1:0:0:0:2:0:0:3", 2), 0)),
              "PROXY TCP6 1:0:0:2::3 1::2:0:0:3 1 2\r\n");  // the longest run; the first of equals
    EXPECT_EQ(encode_v1(proxied(2, v6("1:0:2:3:4:5:6:7", 1), v6("::ffff:1.2.3.4", 2), 0)),
              "PROXY TCP6 1:0:2:3:4:5:6:7 ::ffff:102:304 1 2\r\n");  // a single zero group stays
    EXPECT_EQ(encode_v1(local(2, 0, "dropped")), "PROXY UNKNOWN\r\n");
}

TEST(ProxyHeader, EncodesV2) {
    EXPECT_EQ(encode_v2(proxied(2, ipv4_source, ipv4_destination, 0)), v2(0x21, 0x11, ipv4_block));
    EXPECT_EQ(encode_v2(proxied(2, ipv6_source, ipv6_destination, 0, "h")), v2(0x21, 0x21, ipv6_block + tlv(0x02, "h")));
    EXPECT_EQ(encode_v2(local(1, 0)), v2(0x20, 0x00, ""));
    EXPECT_EQ(encode_v2(local(2, 0, "h")), v2(0x21, 0x00, tlv(0x02, "h")));
}

TEST(ProxyHeader, EveryValidHeaderSurvivesItsEncoding) {
    for (const auto& row : valid) {
        SCOPED_TRACE(describe(row.input));
        const std::string encoded = row.expected.version == 1 ? encode_v1(row.expected) : encode_v2(row.expected);
        const auto parsed = parse_proxy_header(encoded, Accepted::any);
        ASSERT_TRUE(std::holds_alternative<Header>(parsed)) << describe(parsed);
        Header expected = row.expected;
        expected.length = encoded.size();
        EXPECT_EQ(std::get<Header>(parsed), expected);
    }
}

}  // namespace
}  // namespace kapsel::proxy
