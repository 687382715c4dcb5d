// libFuzzer target for the PROXY protocol header (parse_proxy_header, encode_v1, encode_v2).
// Invariants, for the v1, v2 and any listeners:
// - a Header takes at most the bytes received and the version's bound, is of the listener's
//   version, has both addresses of one family or none (local), and no authority in v1;
// - a complete v1 line is a Header exactly when an independent reading (split on spaces,
//   inet_pton, decimal ports without leading zeros) accepts it, with the same addresses; a v2
//   header whose bytes have all come, exactly when an independent reading of its fixed bytes,
//   addresses and TLV framing does, with the same fields;
// - every prefix of a Header is NeedMore, with at_least above the prefix, never past the
//   header, and never decreasing as bytes arrive;
// - bytes after a Header change nothing, and the header's own bytes parse the same;
// - a Header re-encoded (encode_v1 / encode_v2) parses back to the same fields; the v1
//   encoding of any Header keeps its addresses;
// - NeedMore is above what was received and within the bound, and some continuation really
//   completes it, taking at least at_least bytes (v1: a depth-first search over the few
//   characters a header is made of; v2: built from the length and the TLVs received);
// - Invalid stays Invalid whatever follows;
// - the any listener answers as the v1 or v2 listener its first byte names.

#include <arpa/inet.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "proxy/proxy_header.hpp"

namespace {

using namespace kapsel::proxy;

// Names the broken invariant's line: the checks inline into one frame, so the stack cannot.
void check(bool condition, int line = __builtin_LINE()) {
    if (condition) return;
    std::fprintf(stderr, "fuzz_proxy.cpp:%d: invariant broken\n", line);
    std::abort();
}

const std::string_view signature("\r\n\r\n\0\r\nQUIT\n", 12);

std::size_t bound(Accepted accepted) { return accepted == Accepted::v1 ? max_v1_length : max_v2_length; }

bool same_fields(const Header& a, const Header& b) {
    return a.version == b.version && a.local == b.local && a.source == b.source &&
           a.destination == b.destination && a.authority == b.authority;
}

bool same(const Parsed& a, const Parsed& b) {
    if (a.index() != b.index()) return false;
    if (const auto* h = std::get_if<Header>(&a)) return *h == std::get<Header>(b);
    if (const auto* n = std::get_if<NeedMore>(&a)) return n->at_least == std::get<NeedMore>(b).at_least;
    return std::get<Invalid>(a).why == std::get<Invalid>(b).why;
}

// ---------------------------------------------------------------------------------------
// An independent reading of a complete v1 line (its CRLF excluded, no CR or LF inside).

std::optional<Endpoint> oracle_address(const std::string& text, bool v6) {
    if (text.find('\0') != std::string::npos) return std::nullopt;
    Endpoint e;
    e.v6 = v6;
    if (::inet_pton(v6 ? AF_INET6 : AF_INET, text.c_str(), e.address.data()) != 1) return std::nullopt;
    return e;
}

std::optional<std::uint16_t> oracle_port(const std::string& text) {
    if (text.empty() || text.size() > 5 || (text.size() > 1 && text[0] == '0')) return std::nullopt;
    unsigned long value = 0;
    for (char c : text) {
        if (c < '0' || c > '9') return std::nullopt;
        value = value * 10 + static_cast<unsigned long>(c - '0');
    }
    if (value > 65535) return std::nullopt;
    return static_cast<std::uint16_t>(value);
}

std::optional<Header> oracle_v1(std::string_view line) {
    if (!line.starts_with("PROXY ")) return std::nullopt;
    line.remove_prefix(6);
    Header h;
    h.version = 1;
    if (line.starts_with("UNKNOWN")) {
        h.local = true;
        return h;
    }
    std::vector<std::string> parts;
    std::size_t start = 0;
    while (true) {
        const auto space = line.find(' ', start);
        parts.emplace_back(line.substr(start, space - start));
        if (space == std::string_view::npos) break;
        start = space + 1;
    }
    if (parts.size() != 5 || (parts[0] != "TCP4" && parts[0] != "TCP6")) return std::nullopt;
    const bool v6 = parts[0] == "TCP6";
    auto source = oracle_address(parts[1], v6);
    auto destination = oracle_address(parts[2], v6);
    const auto source_port = oracle_port(parts[3]);
    const auto destination_port = oracle_port(parts[4]);
    if (!source || !destination || !source_port || !destination_port) return std::nullopt;
    source->port = *source_port;
    destination->port = *destination_port;
    h.source = source;
    h.destination = destination;
    return h;
}

void check_against_oracle(std::string_view input, const Parsed& parsed) {
    const std::string_view s = input.substr(0, max_v1_length);
    const auto stop = s.find_first_of("\r\n");
    if (stop == std::string_view::npos || s[stop] != '\r' || stop + 1 >= s.size() || s[stop + 1] != '\n') {
        check(!std::holds_alternative<Header>(parsed));  // no line within the bound, or a bare CR/LF
        const bool bare = stop != std::string_view::npos && (s[stop] == '\n' || stop + 1 < s.size());
        if (bare || input.size() >= max_v1_length) check(std::holds_alternative<Invalid>(parsed));
        return;
    }
    const auto expected = oracle_v1(s.substr(0, stop));
    if (!expected) {
        check(std::holds_alternative<Invalid>(parsed));
        return;
    }
    const auto* header = std::get_if<Header>(&parsed);
    check(header != nullptr);
    check(same_fields(*header, *expected));
    check(header->length == stop + 2);
}

// An independent reading of a v2 header all of whose bytes have come (at least 16, with the
// signature, and as many as its length says).
std::optional<Header> oracle_v2(std::string_view in) {
    const auto at = [&](std::size_t i) -> std::size_t { return static_cast<unsigned char>(in[i]); };
    const std::size_t command = at(12) & 0x0F;
    const std::size_t family = at(13);
    const std::size_t length = at(14) * 256 + at(15);
    if (at(12) >> 4 != 2 || command > 1 || length > 1024) return std::nullopt;
    if (family != 0x00 && family != 0x11 && family != 0x12 && family != 0x21 && family != 0x22 && family != 0x31 &&
        family != 0x32)
        return std::nullopt;
    Header h;
    h.version = 2;
    h.length = 16 + length;
    h.local = true;
    if (command == 0) return h;                                      // LOCAL: the block is not read
    if (family != 0x00 && family != 0x11 && family != 0x21) return std::nullopt;  // UDP, unix
    const std::size_t addresses = family == 0x11 ? 12 : family == 0x21 ? 36 : 0;
    if (length < addresses) return std::nullopt;
    for (std::size_t pos = 16 + addresses; pos < h.length;) {
        if (h.length - pos < 3) return std::nullopt;
        const std::size_t value = at(pos + 1) * 256 + at(pos + 2);
        if (pos + 3 + value > h.length) return std::nullopt;
        if (at(pos) == 0x02) {
            if (h.authority) return std::nullopt;
            h.authority = std::string(in.substr(pos + 3, value));
        }
        pos += 3 + value;
    }
    if (family == 0x00) return h;
    h.local = false;
    const bool v6 = family == 0x21;
    const std::size_t bytes = v6 ? 16 : 4;
    Endpoint ends[2];
    for (std::size_t e = 0; e < 2; ++e) {
        ends[e].v6 = v6;
        std::memcpy(ends[e].address.data(), in.data() + 16 + e * bytes, bytes);
        ends[e].port = static_cast<std::uint16_t>(at(16 + 2 * bytes + 2 * e) << 8 | at(16 + 2 * bytes + 2 * e + 1));
    }
    h.source = ends[0];
    h.destination = ends[1];
    return h;
}

void check_against_oracle_v2(std::string_view input, const Parsed& parsed) {
    if (input.size() < 16 || !input.starts_with(signature)) return;
    const std::size_t length = static_cast<unsigned char>(input[14]) * 256 + static_cast<unsigned char>(input[15]);
    if (length > max_v2_payload) {
        check(std::holds_alternative<Invalid>(parsed));
        return;
    }
    if (16 + length > input.size()) return;
    const auto expected = oracle_v2(input);
    if (!expected) {
        check(std::holds_alternative<Invalid>(parsed));
        return;
    }
    const auto* header = std::get_if<Header>(&parsed);
    check(header != nullptr);
    check(*header == *expected);
}

// ---------------------------------------------------------------------------------------
// Continuations that complete a NeedMore.

// Depth-first over the characters headers are made of. With an honest NeedMore every child
// that needs more can itself be completed, so the search goes straight down (at most 107
// levels of 20 tries); a NeedMore with no completion makes it exhaust its budget.
constexpr std::string_view v1_alphabet = "\r\n :0.PROXYTC46UNKW";

std::optional<Header> complete_v1(std::string& s, Accepted accepted, std::size_t at_least, int& budget) {
    for (const char c : v1_alphabet) {
        if (--budget < 0) return std::nullopt;
        s.push_back(c);
        const auto parsed = parse_proxy_header(s, accepted);
        std::optional<Header> found;
        if (const auto* header = std::get_if<Header>(&parsed)) {
            found = *header;
        } else if (const auto* more = std::get_if<NeedMore>(&parsed)) {
            check(more->at_least >= at_least && more->at_least > s.size());
            found = complete_v1(s, accepted, more->at_least, budget);
        }
        s.pop_back();
        if (found) return found;
    }
    return std::nullopt;
}

std::size_t byte(const std::string& s, std::size_t i) { return static_cast<unsigned char>(s[i]); }

// The rest of a v2 header: the missing fixed bytes, the addresses, then TLVs finished and one
// NOOP TLV to fill the block. Empty when the bytes received make that impossible.
std::string complete_v2(std::string s) {
    if (s.size() < 12) s.append(signature.substr(s.size()));
    if (s.size() < 13) s += '\x21';
    const bool proxy = (byte(s, 12) & 0x0F) == 1;
    if (s.size() < 14) s += proxy ? '\x11' : '\x00';
    const std::size_t family = byte(s, 13);
    const std::size_t addresses = !proxy ? 0 : family == 0x11 ? 12 : family == 0x21 ? 36 : 0;
    if (s.size() < 15) s += '\0';
    if (s.size() < 16) s += static_cast<char>(byte(s, 14) == 0 ? addresses : 0);
    const std::size_t total = 16 + byte(s, 14) * 256 + byte(s, 15);
    if (s.size() > total) return {};
    if (!proxy) {
        s.resize(total, '\0');
        return s;
    }
    if (s.size() < 16 + addresses) s.resize(16 + addresses, '\0');
    for (std::size_t pos = 16 + addresses; pos < total;) {
        const std::size_t room = total - pos;
        if (room < 3) return {};
        if (pos + 1 >= s.size()) {  // at most the type has come: this TLV fills the block
            if (pos == s.size()) s += '\x04';
            s += static_cast<char>((room - 3) >> 8);
            s += static_cast<char>((room - 3) & 0xFF);
            s.resize(total, '\0');
            break;
        }
        if (pos + 2 == s.size()) {  // the high length byte has come: choose the low one
            const std::size_t high = byte(s, pos + 1) * 256;
            if (high > room - 3) return {};
            s += static_cast<char>((room - 3 <= high + 255 ? room - 3 : high) & 0xFF);
        }
        const std::size_t length = byte(s, pos + 1) * 256 + byte(s, pos + 2);
        if (length > room - 3) return {};
        pos += 3 + length;
        if (s.size() < pos) s.resize(pos, '\0');
    }
    return s;
}

// ---------------------------------------------------------------------------------------

void check_header(std::string_view input, Accepted accepted, const Header& h) {
    check(h.version == (accepted == Accepted::v1 ? 1 : 2));
    check(h.length > 0 && h.length <= input.size() && h.length <= bound(accepted));
    check(h.local == !h.source.has_value());
    check(h.source.has_value() == h.destination.has_value());
    if (h.source) {
        check(h.source->v6 == h.destination->v6);
        if (!h.source->v6)
            for (std::size_t i = 4; i < 16; ++i) check(h.source->address[i] == 0 && h.destination->address[i] == 0);
    }
    if (h.version == 1) check(!h.authority);

    // The header's own bytes, and those with more after them, parse the same.
    const std::string exact(input.substr(0, h.length));
    check(same(parse_proxy_header(exact, accepted), h));
    check(same(parse_proxy_header(exact + std::string("\x16\x03\x01\x02\x00", 5), accepted), h));

    // Every prefix needs more: above the prefix, never past the header, never decreasing.
    std::vector<std::size_t> ks;
    if (h.length <= 160) {
        for (std::size_t k = 0; k < h.length; ++k) ks.push_back(k);
    } else {
        for (std::size_t k = 0; k <= 53; ++k) ks.push_back(k);
        for (std::size_t k = 54; k + 3 < h.length; k += (h.length - 54) / 40 + 1) ks.push_back(k);
        for (std::size_t k = h.length - 3; k < h.length; ++k) ks.push_back(k);
    }
    std::size_t previous = 0;
    for (const std::size_t k : ks) {
        const auto parsed = parse_proxy_header(exact.substr(0, k), accepted);
        const auto* more = std::get_if<NeedMore>(&parsed);
        check(more != nullptr);
        check(more->at_least > k && more->at_least <= h.length && more->at_least >= previous);
        previous = more->at_least;
    }

    // Re-encoded, it parses back to the same fields.
    const std::string encoded = h.version == 1 ? encode_v1(h) : encode_v2(h);
    const auto again = parse_proxy_header(encoded, accepted);
    const auto* same_header = std::get_if<Header>(&again);
    check(same_header != nullptr);
    check(same_fields(*same_header, h) && same_header->length == encoded.size());
    // The v1 encoding of any header keeps its addresses.
    const auto as_v1 = parse_proxy_header(encode_v1(h), Accepted::v1);
    const auto* v1_header = std::get_if<Header>(&as_v1);
    check(v1_header != nullptr);
    check(v1_header->local == h.local && v1_header->source == h.source && v1_header->destination == h.destination);
}

void check_need_more(std::string_view input, Accepted accepted, const NeedMore& more) {
    check(more.at_least > input.size() && more.at_least <= bound(accepted));
    const bool v1 = accepted == Accepted::v1;
    std::optional<Header> completed;
    std::size_t completed_length = 0;
    if (v1) {
        std::string s(input);
        int budget = 4000;
        completed = complete_v1(s, accepted, more.at_least, budget);
        if (completed) completed_length = completed->length;
    } else {
        const std::string whole = complete_v2(std::string(input));
        check(!whole.empty());
        const auto parsed = parse_proxy_header(whole, accepted);
        if (const auto* header = std::get_if<Header>(&parsed)) completed = *header;
        completed_length = whole.size();
        check(completed && completed->length == whole.size());
    }
    check(completed.has_value());
    check(completed_length >= more.at_least);
}

void check_invalid(std::string_view input, Accepted accepted, const Invalid& invalid) {
    check(!invalid.why.empty() && invalid.why.size() < 80);
    const std::string longer(input);
    for (const std::string_view after : {std::string_view("\r\n"), std::string_view("\0", 1), std::string_view(" 1")})
        check(std::holds_alternative<Invalid>(parse_proxy_header(longer + std::string(after), accepted)));
}

void check_listener(std::string_view input, Accepted accepted, const Parsed& parsed) {
    if (const auto* header = std::get_if<Header>(&parsed)) {
        check_header(input, accepted, *header);
    } else if (const auto* more = std::get_if<NeedMore>(&parsed)) {
        check_need_more(input, accepted, *more);
    } else {
        check_invalid(input, accepted, std::get<Invalid>(parsed));
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    const Parsed by_v1 = parse_proxy_header(input, Accepted::v1);
    const Parsed by_v2 = parse_proxy_header(input, Accepted::v2);
    const Parsed by_any = parse_proxy_header(input, Accepted::any);
    if (!input.empty()) check(same(by_any, input[0] == '\r' ? by_v2 : by_v1));
    check_listener(input, Accepted::v1, by_v1);
    check_listener(input, Accepted::v2, by_v2);
    check_against_oracle(input, by_v1);
    check_against_oracle_v2(input, by_v2);
    return 0;
}
