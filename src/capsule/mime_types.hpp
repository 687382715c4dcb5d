#pragma once
/// File name → MIME type for the response header, from /etc/mime.types-style tables.

#include <string>
#include <string_view>
#include <unordered_map>

namespace kapsel::capsule {

/// Lower-case extension without the dot → "type/subtype".
using MimeTable = std::unordered_map<std::string, std::string>;

inline constexpr std::string_view plain_text_mime = "text/plain; charset=utf-8";
inline constexpr std::string_view atom_mime = "application/atom+xml";
inline constexpr std::string_view fallback_mime = "application/octet-stream";

/// Parses the mime.types format ("type/subtype ext ext ...", '#' comments). Lines whose type
/// is not a well-formed "type/subtype" are skipped; the first type given for an extension wins.
MimeTable parse_mime_types(std::string_view text);

/// Common types, for systems without /etc/mime.types.
MimeTable builtin_mime_types();

/// "text/gemini; charset=utf-8; lang=sv" (no lang parameter when `lang` is empty or not a
/// BCP 47 language tag).
std::string gemtext_mime(std::string_view lang);

/// The type for `filename`: .gmi/.gemini are gemtext in `lang`, .txt plain UTF-8 text, others
/// from `table`, else application/octet-stream.
std::string mime_type_for(std::string_view filename, const MimeTable& table, std::string_view lang);

}  // namespace kapsel::capsule
