#pragma once
/// The Titan upload request line ("The Titan Specification", gemini://transjovian.org/titan/):
/// titan://host/path;size=N;mime=TYPE;token=T, parsed into its target and parameters, or the
/// status that rejects it; and the line as it may be logged, without its token.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "gemini/request.hpp"

namespace kapsel::gemini {

/// A Titan request that parsed. Exactly `size` body bytes follow its CRLF.
struct TitanUpload {
    /// The URI without its parameters, parsed and normalised exactly as parse_request does:
    /// scheme "titan", a host, the port as written, the decoded path; never a query.
    Request target;
    std::uint64_t size = 0;           // required; 0 is valid (servers take it as deletion)
    std::string mime = "text/gemini";  // "type/subtype", lower case; the default when absent
    std::optional<std::string> token;  // percent-decoded; absent when not sent
    /// ";edit" instead of a size: no body follows, the client asks for the resource's source to
    /// edit and upload again (Lagrange's "Edit Page with Titan"; not in the spec, a de facto
    /// extension). Size stays 0 and mime the default.
    bool edit = false;
};

using ParsedTitan = std::variant<TitanUpload, Rejection>;

/// Parses one Titan request line, `line` excluding the CRLF. Every rule of a Gemini request
/// holds for the whole line (1024 bytes, UTF-8, no controls, spaces, userinfo or fragment);
/// the URI without its parameters goes through parse_request with the rules of a gemini URI
/// (so a dot-file or an encoded '/' in the path is 51, as for a Gemini request, where
/// parse_request would keep another scheme's request with the path "/"), and its rejections
/// are returned as they are (59, or 51). Then, all 59:
/// - the scheme is not "titan" ("not a titan request": the caller has already dispatched on
///   the scheme, so it never sees this), there is no host, or there is a query ('?': Titan
///   parameters are path parameters, and the spec says so);
/// - the path decodes to something with ';' (it could not be written back into a Titan URL);
/// - the parameters follow the first ';' of the raw path, ';'-separated "name=value" pairs in
///   any order, names as written and case-sensitive: an empty pair, an empty name, a pair
///   without '=', a duplicate, or a name other than size, mime and token (the spec: "no other
///   parameters are used"; refusing them also stops a misspelt "tokn=" from uploading without
///   the token the user meant);
/// - "edit" (a name alone, without '=') together with size or mime, or twice;
/// - size missing (unless edit), not plain decimal digits (no sign, no escapes), with leading zeros ("0"
///   itself is fine), or above 2^64 - 1;
/// - mime, percent-decoded, not exactly type "/" subtype of RFC 6838 restricted-name
///   characters (1–127 each). A decoded ';' ("text/plain%3Bcharset=utf-8") is refused rather
///   than half-supported: a Titan mime carries no media-type parameters, since ';' already
///   separates Titan's own, and Gemini text is UTF-8 anyway;
/// - token, percent-decoded, not valid UTF-8 or with a control character (it may be empty).
ParsedTitan parse_titan_request(std::string_view line);

/// The request line as it may be logged: the value of every ';'-parameter named token
/// (percent-decoded and ignoring ASCII case, so "%74oken=" and "TOKEN=" too) replaced by "*",
/// up to the next ';' or the end of the line, wherever it stands and whether or not the line
/// parses; every other byte unchanged. A line without such a parameter comes back as it is.
std::string redact_titan_token(std::string_view line);

}  // namespace kapsel::gemini
