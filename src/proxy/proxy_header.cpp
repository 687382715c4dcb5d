#include "proxy/proxy_header.hpp"

#include <algorithm>

#include "text/ascii.hpp"

// How NeedMore stays honest: every field of a v1 line is checked as a prefix of what it may
// still become, and each check also says how few characters complete it ("1.2" needs ".0.0",
// "PRO" needs "XY UNKNOWN"); their sum plus the CRLF is the shortest line the bytes can still
// turn into, which is both NeedMore's `at_least` and what the 107-byte bound is held against.
// A v2 header is judged byte by byte the same way: the signature, version, command and family
// as they arrive, the length as soon as it is known, and the TLVs as far as they have come.

namespace kapsel::proxy {
namespace {

using text::is_digit;

constexpr std::string_view v1_start = "PROXY ";
constexpr std::string_view unknown = "UNKNOWN";
constexpr std::string_view v2_signature("\r\n\r\n\0\r\nQUIT\n", 12);
constexpr std::size_t v2_fixed = 16;
constexpr unsigned char pp2_type_authority = 0x02;

// Fewest characters that make `s` a dotted quad without leading zeros, or nullopt when no
// suffix can (a fifth octet, "256", "01"). On 0, `out` holds the 4 bytes.
std::optional<std::size_t> ipv4_completion(std::string_view s, unsigned char* out) {
    unsigned char bytes[4] = {};
    std::size_t dots = 0;
    std::size_t digits = 0;
    unsigned value = 0;
    for (const char c : s) {
        if (c == '.') {
            if (digits == 0 || dots == 3) return std::nullopt;
            bytes[dots++] = static_cast<unsigned char>(value);
            digits = 0;
            value = 0;
        } else if (is_digit(c)) {
            if (digits == 1 && value == 0) return std::nullopt;  // a leading zero
            value = value * 10 + static_cast<unsigned>(c - '0');
            ++digits;
            if (value > 255) return std::nullopt;
        } else {
            return std::nullopt;
        }
    }
    if (digits == 0) return 1 + 2 * (3 - dots);  // "0" and then ".0" per missing octet
    if (dots < 3) return 2 * (3 - dots);
    bytes[3] = static_cast<unsigned char>(value);
    std::copy(bytes, bytes + 4, out);
    return 0;
}

// One to four hexadecimal digits.
std::optional<std::uint16_t> h16(std::string_view s) {
    if (s.empty() || s.size() > 4) return std::nullopt;
    unsigned value = 0;
    for (const char c : s) {
        const int digit = text::hex_value(c);
        if (digit < 0) return std::nullopt;
        value = value * 16 + static_cast<unsigned>(digit);
    }
    return static_cast<std::uint16_t>(value);
}

// The same for an IPv6 address as inet_pton(AF_INET6) reads it: eight groups of 1–4 hex
// digits, or fewer with one "::" standing for at least one zero group, the last two groups
// optionally a dotted quad. On 0, `out` holds the 16 bytes.
std::optional<std::size_t> ipv6_completion(std::string_view s, unsigned char* out) {
    if (s.empty()) return 2;  // "::"
    std::uint16_t head[8] = {};
    std::uint16_t tail[8] = {};  // the groups after "::"
    std::size_t heads = 0;
    std::size_t tails = 0;
    bool gap = false;
    std::size_t i = 0;
    if (s[0] == ':') {
        if (s.size() == 1) return 1;
        if (s[1] != ':') return std::nullopt;
        gap = true;
        i = 2;
    }
    while (true) {
        const auto colon = s.find(':', i);
        if (colon == std::string_view::npos) break;
        const std::string_view group = s.substr(i, colon - i);
        i = colon + 1;
        if (group.empty()) {  // the second colon of "::"
            if (gap) return std::nullopt;
            gap = true;
            continue;
        }
        const auto value = h16(group);
        if (!value || heads + tails == 8) return std::nullopt;
        (gap ? tail[tails++] : head[heads++]) = *value;
    }
    const std::size_t groups = heads + tails;
    const std::string_view last = s.substr(i);

    const auto fill = [&](std::size_t extra_words, const std::uint16_t* extra) {
        std::uint16_t words[8] = {};
        std::copy(head, head + heads, words);
        std::size_t at = 8 - tails - extra_words;
        std::copy(tail, tail + tails, words + at);
        std::copy(extra, extra + extra_words, words + at + tails);
        for (std::size_t w = 0; w < 8; ++w) {
            out[2 * w] = static_cast<unsigned char>(words[w] >> 8);
            out[2 * w + 1] = static_cast<unsigned char>(words[w] & 0xFF);
        }
    };

    if (last.empty()) {  // s ends with ':'
        if (s.size() >= 2 && s[s.size() - 2] == ':') {  // ... with the "::"
            if (groups > 7) return std::nullopt;
            fill(0, nullptr);
            return 0;
        }
        // A single ':' after a group: another group (or, without a gap yet, ':') must follow.
        if (gap ? groups + 1 > 7 : groups > 7) return std::nullopt;
        return 1;
    }
    std::optional<std::size_t> best;
    const auto group = h16(last);
    if (group && (gap ? groups + 1 <= 7 : groups + 1 <= 8)) {
        best = gap || groups + 1 == 8 ? 0 : 2;  // complete, or "::" completes it
        if (*best == 0) fill(1, &*group);
    }
    if (gap ? groups + 2 <= 7 : groups == 6) {
        unsigned char quad[4];
        if (const auto more = ipv4_completion(last, quad); more && (!best || *more < *best)) {
            best = more;
            if (*more == 0) {
                const std::uint16_t words[2] = {static_cast<std::uint16_t>(quad[0] << 8 | quad[1]),
                                                static_cast<std::uint16_t>(quad[2] << 8 | quad[3])};
                fill(2, words);
            }
        }
    }
    return best;
}

// The same for a port: 0–65535 in decimal, no sign, no leading zeros.
std::optional<std::size_t> port_completion(std::string_view s, std::uint16_t& out) {
    if (s.empty()) return 1;
    if (s.size() > 1 && s[0] == '0') return std::nullopt;
    unsigned value = 0;
    for (const char c : s) {
        if (!is_digit(c)) return std::nullopt;
        value = value * 10 + static_cast<unsigned>(c - '0');
        if (value > 65535) return std::nullopt;
    }
    out = static_cast<std::uint16_t>(value);
    return 0;
}

// How far a v1 line (without its CRLF) is from complete: the fewest characters still to come
// before the CRLF, or why it can never be complete.
struct Progress {
    std::size_t more = 0;
    std::string why;  // non-empty: Invalid
};

Progress fail(std::string why) { return {0, std::move(why)}; }

constexpr const char* field_names[4] = {"source address", "destination address", "source port",
                                        "destination port"};

constexpr std::size_t shortest_field(bool v6, std::size_t field) {
    return field >= 2 ? 1 : v6 ? 2 : 7;  // "0", "::", "0.0.0.0"
}

// Fewest characters after field `field` (" dst sport dport" after the source, and so on).
constexpr std::size_t shortest_after(bool v6, std::size_t field) {
    std::size_t n = 0;
    for (std::size_t f = field + 1; f < 4; ++f) n += 1 + shortest_field(v6, f);
    return n;
}

// "src dst sport dport" after "TCP4 " or "TCP6 ".
Progress check_tcp_fields(std::string_view text, bool v6, bool complete, Header& header) {
    Endpoint ends[2];
    ends[0].v6 = ends[1].v6 = v6;
    for (std::size_t field = 0;; ++field) {
        if (field == 4) return fail("expected CRLF after the destination port");
        const auto space = text.find(' ');
        const bool last = space == std::string_view::npos;
        const std::string_view piece = text.substr(0, space);
        const auto more = field < 2 ? (v6 ? ipv6_completion(piece, ends[field].address.data())
                                          : ipv4_completion(piece, ends[field].address.data()))
                                    : port_completion(piece, ends[field - 2].port);
        if (!more || ((complete || !last) && *more != 0)) {
            if (piece.empty()) {
                if (!last) return fail("expected exactly one space between fields");
                if (complete) return fail(std::string("missing ") + field_names[field]);
            }
            if (field >= 2) return fail(std::string("invalid ") + field_names[field]);
            return fail(std::string(field_names[field]) + (v6 ? " is not an IPv6 address"
                                                               : " is not a canonical IPv4 address"));
        }
        if (last) {
            if (complete && field < 3) return fail(std::string("missing ") + field_names[field + 1]);
            const std::size_t still = *more + shortest_after(v6, field);
            if (still == 0) {
                header.source = ends[0];
                header.destination = ends[1];
            }
            return {still, {}};
        }
        text.remove_prefix(space + 1);
    }
}

// `complete`: nothing more can come before the CRLF (it has been seen, or its CR has).
Progress check_v1_line(std::string_view line, bool complete, Header& header) {
    if (!line.starts_with(v1_start)) {
        if (!complete && v1_start.starts_with(line)) return {v1_start.size() - line.size() + unknown.size(), {}};
        if (line.starts_with("PROXY")) return fail("expected one space after PROXY");
        return fail("not a PROXY protocol header");
    }
    const std::string_view rest = line.substr(v1_start.size());
    if (rest.starts_with(unknown)) {  // "the receiver must ignore anything presented before the CRLF"
        header.local = true;
        return {0, {}};
    }
    if (rest.starts_with("TCP4") || rest.starts_with("TCP6")) {
        const bool v6 = rest[3] == '6';
        const std::string_view after = rest.substr(4);
        if (after.empty()) {
            if (complete) return fail("missing source address");
            return {1 + shortest_field(v6, 0) + shortest_after(v6, 0), {}};
        }
        if (after[0] != ' ') return fail("expected one space after the protocol");
        return check_tcp_fields(after.substr(1), v6, complete, header);
    }
    if (!complete) {
        std::optional<std::size_t> best;
        if (unknown.starts_with(rest)) best = unknown.size() - rest.size();
        if (std::string_view("TCP").starts_with(rest)) {  // TCP6 is the shorter line
            const std::size_t tcp6 = 4 - rest.size() + 1 + shortest_field(true, 0) + shortest_after(true, 0);
            best = std::min(best.value_or(tcp6), tcp6);
        }
        if (best) return {*best, {}};
    }
    return fail("unknown protocol (not TCP4, TCP6 or UNKNOWN)");
}

Parsed parse_v1(std::string_view received) {
    const std::string_view s = received.substr(0, max_v1_length);
    std::string_view line = s;
    bool ended = false;
    bool cr_pending = false;  // the last byte is a CR: only its LF may follow
    const auto stop = s.find_first_of("\r\n");
    if (stop != std::string_view::npos) {
        line = s.substr(0, stop);
        if (s[stop] == '\n') return Invalid{"LF without CR"};
        if (stop + 1 == s.size()) {
            cr_pending = true;
        } else if (s[stop + 1] != '\n') {
            return Invalid{"CR without LF"};
        } else {
            ended = true;
        }
    }
    Header header;
    header.version = 1;
    const Progress progress = check_v1_line(line, ended || cr_pending, header);
    if (!progress.why.empty()) return Invalid{progress.why};
    if (ended) {
        header.length = stop + 2;
        return header;
    }
    const std::size_t at_least = received.size() + (cr_pending ? 1 : progress.more + 2);
    if (at_least > max_v1_length) return Invalid{"no CRLF within 107 bytes"};
    return NeedMore{at_least};
}

std::string hex_byte(unsigned value) {
    std::string out = "0x";
    text::append_hex(out, static_cast<unsigned char>(value));
    return out;
}

Parsed parse_v2(std::string_view received) {
    const std::size_t compared = std::min(received.size(), v2_signature.size());
    if (received.substr(0, compared) != v2_signature.substr(0, compared))
        return Invalid{"not a PROXY protocol version 2 header"};
    const auto at = [&](std::size_t i) -> std::size_t { return static_cast<unsigned char>(received[i]); };
    if (received.size() <= 12) return NeedMore{v2_fixed};
    if (at(12) >> 4 != 2) return Invalid{"unsupported version " + std::to_string(at(12) >> 4)};
    const std::size_t command = at(12) & 0x0F;
    if (command > 1) return Invalid{"unknown command " + std::to_string(command)};
    const bool proxy = command == 1;
    if (received.size() <= 13) return NeedMore{v2_fixed};
    const std::size_t family = at(13);
    std::size_t address_length = 0;
    switch (family) {
        case 0x00: break;
        case 0x11: address_length = 12; break;
        case 0x21: address_length = 36; break;
        case 0x12: case 0x22:
            if (proxy) return Invalid{"UDP is not accepted (Gemini runs over TCP)"};
            break;
        case 0x31: case 0x32:
            if (proxy) return Invalid{"unix socket addresses are not accepted"};
            break;
        default:
            return Invalid{"undefined address family and transport " + hex_byte(static_cast<unsigned>(family))};
    }
    if (!proxy) address_length = 0;  // LOCAL: "discard the protocol block including the family"
    if (received.size() <= 14) return NeedMore{v2_fixed};
    if (at(14) * 256 > max_v2_payload) return Invalid{"length above 1024 bytes"};
    if (received.size() <= 15) return NeedMore{v2_fixed};
    const std::size_t length = at(14) * 256 + at(15);
    if (length > max_v2_payload) return Invalid{"length above 1024 bytes"};
    if (length < address_length)
        return Invalid{"length " + std::to_string(length) + " too short for " +
                       (family == 0x11 ? "IPv4 addresses (12 bytes)" : "IPv6 addresses (36 bytes)")};
    const std::size_t total = v2_fixed + length;

    Header header;
    header.version = 2;
    header.length = total;
    header.local = !proxy || family == 0x00;
    if (proxy) {
        // The TLVs, as far as they have arrived: each must fit, and together fill the block.
        bool authority_seen = false;
        for (std::size_t pos = v2_fixed + address_length; pos < total;) {
            const std::size_t room = total - pos;
            if (room < 3)
                return Invalid{room == 1 ? "TLVs do not fill the header (1 byte left)"
                                         : "TLVs do not fill the header (2 bytes left)"};
            if (pos >= received.size()) break;
            const std::size_t type = at(pos);
            if (type == pp2_type_authority) {
                if (authority_seen) return Invalid{"more than one authority TLV"};
                authority_seen = true;
            }
            if (pos + 1 >= received.size()) break;
            if (at(pos + 1) * 256 > room - 3) return Invalid{"a TLV runs past the end of the header"};
            if (pos + 2 >= received.size()) break;
            const std::size_t value_length = at(pos + 1) * 256 + at(pos + 2);
            if (value_length > room - 3) return Invalid{"a TLV runs past the end of the header"};
            if (type == pp2_type_authority && pos + 3 + value_length <= received.size())
                header.authority.emplace(received.substr(pos + 3, value_length));
            pos += 3 + value_length;
        }
    }
    if (received.size() < total) return NeedMore{total};
    if (proxy && address_length > 0) {
        const bool v6 = family == 0x21;
        const std::size_t bytes = v6 ? 16 : 4;
        Endpoint ends[2];
        for (std::size_t e = 0; e < 2; ++e) {
            ends[e].v6 = v6;
            const std::string_view address = received.substr(v2_fixed + e * bytes, bytes);
            std::copy(address.begin(), address.end(), ends[e].address.begin());
            const std::size_t port_at = v2_fixed + 2 * bytes + 2 * e;
            ends[e].port = static_cast<std::uint16_t>(at(port_at) << 8 | at(port_at + 1));
        }
        header.source = ends[0];
        header.destination = ends[1];
    }
    return header;
}

// The first bytes of `received` are those of `prefix` (as many as there are of either).
bool starts_like(std::string_view received, std::string_view prefix) {
    const std::size_t n = std::min(received.size(), prefix.size());
    return n > 0 && received.substr(0, n) == prefix.substr(0, n);
}

std::string ipv4_text(const Endpoint& e) {
    std::string out;
    for (std::size_t i = 0; i < 4; ++i) {
        if (i > 0) out += '.';
        out += std::to_string(e.address[i]);
    }
    return out;
}

// RFC 5952: lower-case hex without leading zeros, the longest run of two or more zero groups
// (the first of equals) written "::".
std::string ipv6_text(const Endpoint& e) {
    std::uint16_t words[8];
    for (std::size_t w = 0; w < 8; ++w)
        words[w] = static_cast<std::uint16_t>(e.address[2 * w] << 8 | e.address[2 * w + 1]);
    std::size_t gap = 8;
    std::size_t gap_length = 1;
    for (std::size_t w = 0; w < 8;) {
        std::size_t end = w;
        while (end < 8 && words[end] == 0) ++end;
        if (end - w > gap_length) {
            gap = w;
            gap_length = end - w;
        }
        w = end == w ? w + 1 : end;
    }
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    for (std::size_t w = 0; w < 8;) {
        if (w == gap) {
            out += "::";
            w += gap_length;
            continue;
        }
        if (!out.empty() && out.back() != ':') out += ':';
        bool started = false;
        for (int shift = 12; shift >= 0; shift -= 4) {
            const unsigned digit = (words[w] >> shift) & 0xF;
            if (digit != 0 || started || shift == 0) {
                out += digits[digit];
                started = true;
            }
        }
        ++w;
    }
    return out;
}

void append_u16(std::string& out, std::size_t value) {
    out += static_cast<char>((value >> 8) & 0xFF);
    out += static_cast<char>(value & 0xFF);
}

}  // namespace

Parsed parse_proxy_header(std::string_view received, Accepted accepted) {
    switch (accepted) {
        case Accepted::any:
            if (received.empty()) return NeedMore{15};  // "PROXY UNKNOWN\r\n" is the shortest header
            return received[0] == '\r' ? parse_v2(received) : parse_v1(received);
        case Accepted::v1:
            if (starts_like(received, v2_signature))
                return Invalid{"a version 2 header, but this listener takes version 1"};
            return parse_v1(received);
        case Accepted::v2:
            if (starts_like(received, "PROXY")) return Invalid{"a version 1 header, but this listener takes version 2"};
            return parse_v2(received);
    }
    return Invalid{"unknown listener setting"};
}

std::string encode_v1(const Header& header) {
    if (header.local || !header.source || !header.destination) return "PROXY UNKNOWN\r\n";
    const bool v6 = header.source->v6;
    const auto address = [v6](const Endpoint& e) { return v6 ? ipv6_text(e) : ipv4_text(e); };
    return std::string(v6 ? "PROXY TCP6 " : "PROXY TCP4 ") + address(*header.source) + ' ' +
           address(*header.destination) + ' ' + std::to_string(header.source->port) + ' ' +
           std::to_string(header.destination->port) + "\r\n";
}

std::string encode_v2(const Header& header) {
    const bool local = header.local || !header.source || !header.destination;
    std::string block;
    unsigned char family = 0x00;
    if (!local) {
        const bool v6 = header.source->v6;
        family = v6 ? 0x21 : 0x11;
        const std::size_t bytes = v6 ? 16 : 4;
        for (const Endpoint* e : {&*header.source, &*header.destination})
            block.append(reinterpret_cast<const char*>(e->address.data()), bytes);
        append_u16(block, header.source->port);
        append_u16(block, header.destination->port);
    }
    if (header.authority) {
        block += static_cast<char>(pp2_type_authority);
        append_u16(block, header.authority->size());
        block += *header.authority;
    }
    std::string out(v2_signature);
    out += static_cast<char>(local && !header.authority ? 0x20 : 0x21);  // LOCAL or PROXY
    out += static_cast<char>(family);
    append_u16(out, block.size());
    out += block;
    return out;
}

}  // namespace kapsel::proxy
