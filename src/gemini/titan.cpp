#include "gemini/titan.hpp"

#include <algorithm>
#include <limits>

#include "gemini/uri.hpp"
#include "gemini/utf8.hpp"
#include "text/ascii.hpp"

// The line is split once, on the raw bytes: the parameters are what lies between the first
// ';' of the path and the end of the path ('?', '#' or the end of the line). The rest, the
// parameter-less URI, is parse_request's to judge (as a gemini URI, see below), so a Titan
// target obeys every rule a Gemini request does and is normalised the same way. The parameters' own bytes are held to the same
// character rules through parse_request too, as the query of a minimal URI ("t:?" + them),
// the one part of a request it checks without normalising.

namespace kapsel::gemini {
namespace {

Rejection bad_request(std::string meta) { return {Status::bad_request, std::move(meta)}; }

// [semicolon, end): the first ';' of the raw path and where the path ends.
struct ParameterSpan {
    std::size_t semicolon = 0;
    std::size_t end = 0;
};

std::optional<ParameterSpan> find_parameters(std::string_view line) {
    const auto colon = line.find(':');
    if (colon == std::string_view::npos) return std::nullopt;
    std::size_t path = colon + 1;
    if (line.substr(path).starts_with("//")) {  // the authority runs to the first '/', '?' or '#'
        path = line.find_first_of("/?#", path + 2);
        if (path == std::string_view::npos || line[path] != '/') return std::nullopt;
    }
    const std::size_t end = std::min(line.find_first_of("?#", path), line.size());
    const auto semicolon = line.find(';', path);
    if (semicolon == std::string_view::npos || semicolon >= end) return std::nullopt;
    return ParameterSpan{semicolon, end};
}

// RFC 6838 restricted-name: ALPHA / DIGIT first, then those and "!#$&-^_.+", 127 at most.
bool is_restricted_name(std::string_view s) noexcept {
    if (s.empty() || s.size() > 127 || !text::is_alnum(s[0])) return false;
    return std::all_of(s.begin(), s.end(), [](char c) {
        return text::is_alnum(c) || std::string_view("!#$&-^_.+").find(c) != std::string_view::npos;
    });
}

std::optional<Rejection> read_size(std::string_view value, std::uint64_t& size) {
    if (value.empty() || !std::all_of(value.begin(), value.end(), text::is_digit))
        return bad_request("size is not a decimal number");
    if (value.size() > 1 && value[0] == '0') return bad_request("size has leading zeros");
    std::uint64_t n = 0;
    for (const char c : value) {
        const auto digit = static_cast<std::uint64_t>(c - '0');
        if (n > (std::numeric_limits<std::uint64_t>::max() - digit) / 10)
            return bad_request("size does not fit in 64 bits");
        n = n * 10 + digit;
    }
    size = n;
    return std::nullopt;
}

std::optional<Rejection> read_mime(std::string_view value, std::string& mime) {
    std::string decoded = percent_decode(value);
    if (decoded.find(';') != std::string::npos) return bad_request("mime type parameters are not accepted");
    const auto slash = decoded.find('/');
    if (slash == std::string::npos || !is_restricted_name(std::string_view(decoded).substr(0, slash)) ||
        !is_restricted_name(std::string_view(decoded).substr(slash + 1)))
        return bad_request("invalid mime type");
    text::lower_in_place(decoded);
    mime = std::move(decoded);
    return std::nullopt;
}

std::optional<Rejection> read_token(std::string_view value, std::optional<std::string>& token) {
    std::string decoded = percent_decode(value);
    if (!is_valid_utf8(decoded)) return bad_request("token is not valid UTF-8");
    if (has_control_character(decoded)) return bad_request("control character in token");
    token = std::move(decoded);
    return std::nullopt;
}

// "name=value;name=value", each name once.
std::optional<Rejection> read_parameters(std::string_view parameters, TitanUpload& upload) {
    bool have_size = false;
    bool have_mime = false;
    for (std::size_t start = 0;;) {
        const auto end = parameters.find(';', start);
        const std::string_view pair = parameters.substr(start, end == std::string_view::npos ? end : end - start);
        if (pair.empty()) return bad_request("empty parameter");
        if (pair == "edit") {
            if (upload.edit) return bad_request("duplicate edit parameter");
            upload.edit = true;
            if (end == std::string_view::npos) break;
            start = end + 1;
            continue;
        }
        const auto equals = pair.find('=');
        if (equals == std::string_view::npos) return bad_request("parameter without '='");
        const std::string_view name = pair.substr(0, equals);
        const std::string_view value = pair.substr(equals + 1);
        std::optional<Rejection> rejection;
        if (name.empty()) {
            return bad_request("empty parameter name");
        } else if (name == "size") {
            if (have_size) return bad_request("duplicate size parameter");
            have_size = true;
            rejection = read_size(value, upload.size);
        } else if (name == "mime") {
            if (have_mime) return bad_request("duplicate mime parameter");
            have_mime = true;
            rejection = read_mime(value, upload.mime);
        } else if (name == "token") {
            if (upload.token) return bad_request("duplicate token parameter");
            rejection = read_token(value, upload.token);
        } else {
            return bad_request("unknown parameter");
        }
        if (rejection) return rejection;
        if (end == std::string_view::npos) break;
        start = end + 1;
    }
    if (upload.edit && (have_size || have_mime)) return bad_request("an edit request has no size or mime");
    if (!have_size && !upload.edit) return bad_request("missing size parameter");
    return std::nullopt;
}

// Where the value starts in `pair` when its name is "token", percent-decoded and ignoring
// ASCII case.
std::optional<std::size_t> token_value_offset(std::string_view pair) {
    std::size_t i = 0;
    for (const char wanted : std::string_view("token=")) {
        if (i >= pair.size()) return std::nullopt;
        char c = pair[i];
        std::size_t width = 1;
        if (c == '%' && i + 2 < pair.size()) {
            const int high = text::hex_value(pair[i + 1]);
            const int low = text::hex_value(pair[i + 2]);
            if (high >= 0 && low >= 0) {
                c = static_cast<char>(high * 16 + low);
                width = 3;
            }
        }
        if (text::to_lower(c) != wanted) return std::nullopt;
        i += width;
    }
    return i;
}

}  // namespace

ParsedTitan parse_titan_request(std::string_view line) {
    if (line.size() > max_request_uri_bytes) return bad_request("request longer than 1024 bytes");
    const auto span = find_parameters(line);
    std::string uri(line);
    if (span) uri.erase(span->semicolon, span->end - span->semicolon);
    // parse_request keeps a request of another scheme whose path it would refuse with 51 (so
    // the server can answer 53), with the path "/": "titan://h/.env" would become an upload
    // to "/". So a titan target is parsed as the gemini URI it names, every path rule applying,
    // and gets its scheme back (parse_uri: the line's length is checked above, and "gemini" is
    // one byte longer than "titan").
    const auto colon = uri.find(':');
    const bool titan = colon != std::string::npos && text::equals_ignoring_case(uri.substr(0, colon), "titan");
    auto parsed = titan ? parse_uri("gemini" + uri.substr(colon)) : parse_request(uri);
    if (auto* rejection = std::get_if<Rejection>(&parsed)) return std::move(*rejection);
    auto& target = std::get<Request>(parsed);
    if (!titan) return bad_request("not a titan request");
    target.scheme = "titan";
    if (target.host.empty()) return bad_request("missing host");
    if (target.query) return bad_request("query not allowed in a titan request");
    if (target.path.find(';') != std::string::npos) return bad_request("encoded ';' in a titan path");
    if (!span) return bad_request("missing size parameter");

    const std::string_view parameters = line.substr(span->semicolon + 1, span->end - span->semicolon - 1);
    const auto characters = parse_request("t:?" + std::string(parameters));
    if (const auto* rejection = std::get_if<Rejection>(&characters)) return *rejection;
    TitanUpload upload;
    upload.target = std::move(target);
    if (auto rejection = read_parameters(parameters, upload)) return *std::move(rejection);
    return upload;
}

std::string redact_titan_token(std::string_view line) {
    std::string out;
    out.reserve(line.size());
    std::size_t copied = 0;  // line[0, copied) is in `out`
    for (auto semicolon = line.find(';'); semicolon != std::string_view::npos; semicolon = line.find(';', semicolon + 1)) {
        const std::size_t start = semicolon + 1;
        const std::size_t end = std::min(line.find(';', start), line.size());
        if (const auto value = token_value_offset(line.substr(start, end - start))) {
            out.append(line.substr(copied, start + *value - copied));
            out += '*';
            copied = end;
        }
    }
    out.append(line.substr(copied));
    return out;
}

}  // namespace kapsel::gemini
