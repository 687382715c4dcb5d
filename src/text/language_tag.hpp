#pragma once
/// BCP 47 language tags, as kapsel accepts them everywhere (server.toml, front matter, the
/// `lang` parameter of text/gemini, xml:lang): one tag, its shape checked.

#include <string_view>

namespace kapsel::text {

/// True for a well-formed tag: a primary subtag of 2–8 letters, then subtags of 1–8 letters
/// or digits, separated by '-' ("sv", "en-GB", "zh-Hant-TW", "sv-x-umea"). A list ("sv,en")
/// is not one tag: an Atom xml:lang must be exactly one.
bool is_language_tag(std::string_view tag) noexcept;

/// The primary language subtag as written ("SV" in "SV-fi"); compare it ignoring case.
std::string_view primary_language(std::string_view tag) noexcept;

}  // namespace kapsel::text
