// libFuzzer target for Titan request lines (parse_titan_request, redact_titan_token).
// Invariants:
// - whatever parses is a Titan upload: at most 1024 bytes, scheme "titan", a host, no query,
//   a path that starts with '/', has no ';' and keeps every request-path rule (no dot segment
//   or dot-file, no NUL or backslash, valid UTF-8); a lower-case "type/subtype" mime; a token
//   of valid UTF-8 without control characters;
// - its size prints back to exactly the digits the line gave (an ";edit" has neither size nor
//   mime, and edit is set exactly when the line has that parameter); its mime is the lower-cased
//   percent-decoding of the value given (text/gemini when none), its token the
//   percent-decoding of the value given;
// - its target is what parse_request makes of the gemini URI the line names without its
//   parameters;
// - rebuilt as "titan://host[:port]" + encode_path(path) + ";size=N;mime=M[;token=T]" (or
//   ";edit[;token=T]"; values
//   percent-encoded) it parses back to the same fields, or is refused as too long;
// - a rejection is 59 or 51, with a short META;
// - redact_titan_token is idempotent, keeps valid UTF-8 valid, gives back a line with no
//   ';'-parameter that decodes to "token=" unchanged, never shows a parsed token (as written
//   or decoded; when it is 2+ characters, has no '*', and occurs nowhere else in the line);
//   when the host has no ';', the redacted line is exactly the line with the token's value
//   replaced by "*", and parses the same with the token "*".

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <variant>

#include "gemini/titan.hpp"
#include "gemini/uri.hpp"
#include "gemini/utf8.hpp"
#include "text/ascii.hpp"

namespace {

using namespace kapsel::gemini;

// Names the broken invariant's line: the checks inline into one frame, so the stack cannot.
void check(bool condition, int line = __builtin_LINE()) {
    if (condition) return;
    std::fprintf(stderr, "fuzz_titan.cpp:%d: invariant broken\n", line);
    std::abort();
}

void check_path(const std::string& path) {
    check(!path.empty() && path[0] == '/');
    check(path.find(';') == std::string::npos);
    check(path.find('\0') == std::string::npos && path.find('\\') == std::string::npos);
    check(is_valid_utf8(path));
    for (std::size_t start = 1; start <= path.size();) {
        std::size_t end = path.find('/', start);
        if (end == std::string::npos) end = path.size();
        check(end == start || path[start] != '.');
        start = end + 1;
    }
}

std::string encode_value(std::string_view value) {
    std::string out;
    for (const char c : value) {
        if (is_unreserved(c)) {
            out += c;
        } else {
            out += '%';
            kapsel::text::append_hex(out, static_cast<unsigned char>(c));
        }
    }
    return out;
}

// %XX decoded where XX is hex, everything else kept; then ASCII lower case.
std::string decoded_lower(std::string_view s) {
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        const int high = s[i] == '%' && i + 2 < s.size() ? kapsel::text::hex_value(s[i + 1]) : -1;
        const int low = high >= 0 ? kapsel::text::hex_value(s[i + 2]) : -1;
        if (low >= 0) {
            out += static_cast<char>(high * 16 + low);
            i += 2;
        } else {
            out += s[i];
        }
    }
    return kapsel::text::to_lower(out);
}

struct RawParameters {
    std::size_t begin = 0, end = 0;  // after the first ';' of the path, to the end of the line
    std::string_view size;
    std::optional<std::string_view> mime;
    std::optional<std::size_t> token_begin, token_end;
    bool edit = false;
};

// Where a line that parsed keeps its parameters (it has no '?' or '#', and a host).
RawParameters raw_parameters(std::string_view line) {
    RawParameters raw;
    const auto path = line.find('/', 8);  // after "titan://"
    check(path != std::string_view::npos);
    raw.begin = line.find(';', path);
    check(raw.begin != std::string_view::npos);
    ++raw.begin;
    raw.end = line.size();
    for (std::size_t start = raw.begin; start <= line.size();) {
        auto end = line.find(';', start);
        if (end == std::string_view::npos) end = line.size();
        const std::string_view pair = line.substr(start, end - start);
        if (pair == "edit") raw.edit = true;
        if (pair.starts_with("size=")) raw.size = pair.substr(5);
        if (pair.starts_with("mime=")) raw.mime = pair.substr(5);
        if (pair.starts_with("token=")) {
            raw.token_begin = start + 6;
            raw.token_end = end;
        }
        start = end + 1;
    }
    return raw;
}

void check_hidden(std::string_view line, std::string_view redacted, std::string_view secret, const RawParameters& raw) {
    if (secret.size() < 2 || secret.find('*') != std::string_view::npos) return;
    std::string rest(line.substr(0, *raw.token_begin));
    rest += line.substr(*raw.token_end);
    if (rest.find(secret) != std::string::npos) return;
    check(redacted.find(secret) == std::string_view::npos);
}

void check_upload(std::string_view line, const TitanUpload& upload) {
    const Request& target = upload.target;
    check(line.size() <= max_request_uri_bytes);
    check(target.scheme == "titan");
    check(!target.host.empty() && !target.query);
    check_path(target.path);
    const auto slash = upload.mime.find('/');
    check(slash != std::string::npos && slash > 0 && slash + 1 < upload.mime.size());
    check(upload.mime.find('/', slash + 1) == std::string::npos && upload.mime.find(';') == std::string::npos);
    check(kapsel::text::to_lower(upload.mime) == upload.mime);
    if (upload.token) check(is_valid_utf8(*upload.token) && !has_control_character(*upload.token));

    // The size prints back to the digits given (an edit has none, and no mime);
    // mime and token are their values decoded once.
    const RawParameters raw = raw_parameters(line);
    check(upload.edit == raw.edit);
    if (upload.edit) check(upload.size == 0 && raw.size.empty() && !raw.mime);
    else check(std::to_string(upload.size) == raw.size);
    check(upload.mime == (raw.mime ? kapsel::text::to_lower(percent_decode(*raw.mime)) : "text/gemini"));
    check(upload.token.has_value() == raw.token_begin.has_value());
    if (upload.token)
        check(*upload.token == percent_decode(line.substr(*raw.token_begin, *raw.token_end - *raw.token_begin)));

    // The target is parse_request's reading of the gemini URI without the parameters.
    std::string uri(line.substr(0, raw.begin - 1));
    const auto as_gemini = parse_uri("gemini" + uri.substr(5));
    const auto* request = std::get_if<Request>(&as_gemini);
    check(request != nullptr);
    check(request->host == target.host && request->port == target.port && request->path == target.path);

    // Rebuilt from its fields, it parses back to them.
    std::string rebuilt = "titan://";
    rebuilt += target.host.find(':') != std::string::npos ? "[" + target.host + "]" : target.host;
    if (target.port) rebuilt += ":" + std::to_string(*target.port);
    rebuilt += encode_path(target.path) +
               (upload.edit ? ";edit" : ";size=" + std::to_string(upload.size) + ";mime=" + encode_value(upload.mime));
    if (upload.token) rebuilt += ";token=" + encode_value(*upload.token);
    const auto again = parse_titan_request(rebuilt);
    if (rebuilt.size() > max_request_uri_bytes) {
        const auto* rejection = std::get_if<Rejection>(&again);
        check(rejection != nullptr && rejection->meta == "request longer than 1024 bytes");
    } else {
        const auto* same = std::get_if<TitanUpload>(&again);
        check(same != nullptr);
        check(same->target.scheme == "titan" && same->target.host == target.host && same->target.port == target.port &&
              same->target.path == target.path && same->size == upload.size && same->mime == upload.mime &&
              same->token == upload.token && same->edit == upload.edit);
    }

    // The token never survives redaction; the redacted line parses the same, token "*".
    const std::string redacted = redact_titan_token(line);
    if (upload.token) {
        check(raw.token_begin.has_value());
        check_hidden(line, redacted, line.substr(*raw.token_begin, *raw.token_end - *raw.token_begin), raw);
        check_hidden(line, redacted, *upload.token, raw);
    }
    if (target.host.find(';') == std::string::npos) {
        // Then the parameters hold the line's only ';'-pairs: exactly the token's value goes.
        std::string expected(line);
        if (upload.token) expected.replace(*raw.token_begin, *raw.token_end - *raw.token_begin, "*");
        check(redacted == expected);
        const auto parsed = parse_titan_request(redacted);
        const auto* same = std::get_if<TitanUpload>(&parsed);
        check(same != nullptr);
        check(same->target.host == target.host && same->target.path == target.path && same->size == upload.size &&
              same->mime == upload.mime && same->edit == upload.edit);
        check(same->token == (upload.token ? std::optional<std::string>("*") : std::nullopt));
    }
}

void check_redaction(std::string_view line) {
    const std::string redacted = redact_titan_token(line);
    check(redact_titan_token(redacted) == redacted);
    if (is_valid_utf8(line)) check(is_valid_utf8(redacted));
    if (decoded_lower(line).find("token=") == std::string::npos) check(redacted == line);
    // Only values are replaced, by one '*' each: never longer by more than one per ';'.
    std::size_t semicolons = 0;
    for (const char c : line) semicolons += c == ';';
    check(redacted.size() <= line.size() + semicolons);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view line(reinterpret_cast<const char*>(data), size);
    check_redaction(line);
    const auto parsed = parse_titan_request(line);
    if (const auto* upload = std::get_if<TitanUpload>(&parsed)) {
        check_upload(line, *upload);
    } else {
        const auto& rejection = std::get<Rejection>(parsed);
        check(rejection.status == Status::bad_request || rejection.status == Status::not_found);
        check(!rejection.meta.empty() && rejection.meta.size() < 64);
    }
    return 0;
}
