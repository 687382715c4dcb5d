#include "syndication/wording.hpp"

#include "text/ascii.hpp"
#include "text/language_tag.hpp"

namespace kapsel::syndication {
namespace {

constexpr Wording swedish{
    "sv",
    "Av",
    "och",
    "Publicerad den",
    "i",
    "Uppdaterad den",
    "Läs mer",
    "Texten som ren text (text/plain)",
    "Till startsidan",
    "Prenumerera via Atom-flödet",
    {"januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti", "september", "oktober", "november",
     "december"},
};

constexpr Wording english{
    "en",
    "By",
    "and",
    "Published on",
    "in",
    "Updated on",
    "Read more",
    "The text as plain text (text/plain)",
    "To the start page",
    "Subscribe to the Atom feed",
    {"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November",
     "December"},
};

std::string author_text(const Author& a) { return a.role.empty() ? a.name : a.name + ", " + a.role; }

}  // namespace

const Wording& wording_for(std::string_view lang) {
    if (text::equals_ignoring_case(text::primary_language(lang), english.lang)) return english;
    return swedish;
}

std::string date_in_words(const DateTime& dt, const Wording& words) {
    const int m = dt.month >= 1 && dt.month <= 12 ? dt.month : 1;
    return std::to_string(dt.day) + " " + std::string(words.months[static_cast<std::size_t>(m - 1)]) + " " +
           std::to_string(dt.year);
}

std::string byline(const std::vector<Author>& authors, const Wording& words) {
    if (authors.empty()) return {};
    std::string out(words.by);
    out += ' ';
    for (std::size_t i = 0; i < authors.size(); ++i) {
        if (i > 0) {
            const bool last = i + 1 == authors.size();
            // After "Name, role" a comma keeps the role from reading as part of the next name.
            const bool comma = !authors[i - 1].role.empty();
            if (last) {
                out += comma ? ", " : " ";
                out += words.and_word;
                out += ' ';
            } else {
                out += ", ";
            }
        }
        out += author_text(authors[i]);
    }
    out += '.';
    return out;
}

std::vector<std::string> date_lines(const FrontMatter& meta, const Wording& words) {
    std::vector<std::string> lines;
    std::string published = std::string(words.published_on) + " " + date_in_words(meta.published, words);
    if (!meta.published_in.empty()) published += " " + std::string(words.published_in) + " " + meta.published_in;
    lines.push_back(published + ".");
    if (meta.updated && to_iso_date(*meta.updated) != to_iso_date(meta.published))
        lines.push_back(std::string(words.updated_on) + " " + date_in_words(*meta.updated, words) + ".");
    return lines;
}

}  // namespace kapsel::syndication
