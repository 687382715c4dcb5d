#pragma once
/// The words kapsel itself writes on a converted page — byline, dates, the "read more" heading
/// and link labels — in one table per language, chosen by the document's `lang` (which
/// defaults to capsule.lang). Swedish is the house language; English is there for documents
/// in English. Any other language gets the Swedish words, as before the table existed.

#include <array>
#include <string>
#include <string_view>
#include <vector>

#include "syndication/date_time.hpp"
#include "syndication/front_matter.hpp"

namespace kapsel::syndication {

struct Wording {
    std::string_view lang;             // "sv"
    std::string_view by;               // "Av" ("Av A och B.")
    std::string_view and_word;         // "och"
    std::string_view published_on;     // "Publicerad den" (+ date)
    std::string_view published_in;     // "i" (+ publication)
    std::string_view updated_on;       // "Uppdaterad den" (+ date)
    std::string_view read_more;        // "Läs mer" (heading over the related notes)
    std::string_view plain_text_link;  // "Texten som ren text (text/plain)"
    std::string_view home_link;        // "Till startsidan"
    std::string_view feed_link;        // "Prenumerera via Atom-flödet"
    std::array<std::string_view, 12> months;  // "januari" … "december"
};

/// The table for `lang` (its primary subtag, any case): Swedish for "sv", English for "en",
/// Swedish for anything else.
const Wording& wording_for(std::string_view lang);

/// "20 mars 2023" / "20 March 2023": the authored calendar date in words.
std::string date_in_words(const DateTime& dt, const Wording& words);

/// "Av Hans Lindberg (S), kommunalråd, och Janet Ågren (S), kommunalråd." ("" without authors).
std::string byline(const std::vector<Author>& authors, const Wording& words);

/// "Publicerad den 20 mars 2023 i Västerbottens-Kuriren." plus an "Uppdaterad den ..." line
/// when the document was updated on another day.
std::vector<std::string> date_lines(const FrontMatter& meta, const Wording& words);

}  // namespace kapsel::syndication
