#include "capsule/mime_types.hpp"

#include <algorithm>

#include "text/ascii.hpp"
#include "text/language_tag.hpp"
#include "text/lines.hpp"

namespace kapsel::capsule {
namespace {

bool is_name_char(char c) {
    // RFC 6838 restricted-name characters.
    return text::is_alnum(c) || c == '!' || c == '#' || c == '$' || c == '&' || c == '-' || c == '^' || c == '_' || c == '.' || c == '+';
}

bool is_mime_type(std::string_view t) {
    const std::size_t slash = t.find('/');
    if (slash == std::string_view::npos || slash == 0 || slash + 1 == t.size()) return false;
    const std::string_view type = t.substr(0, slash), subtype = t.substr(slash + 1);
    return std::all_of(type.begin(), type.end(), is_name_char) &&
           std::all_of(subtype.begin(), subtype.end(), is_name_char);
}

}  // namespace

MimeTable parse_mime_types(std::string_view contents) {
    MimeTable table;
    for (const text::Line& l : text::Lines(contents)) {
        std::string_view line = l.content;
        if (const std::size_t hash = line.find('#'); hash != std::string_view::npos) line = line.substr(0, hash);

        std::string type;
        std::size_t i = 0;
        bool first = true;
        while (i < line.size()) {
            const std::size_t start = line.find_first_not_of(" \t\r", i);
            if (start == std::string_view::npos) break;
            const std::size_t end = std::min(line.find_first_of(" \t\r", start), line.size());
            const std::string_view token = line.substr(start, end - start);
            i = end;
            if (first) {
                if (!is_mime_type(token)) break;
                type = text::to_lower(token);
                first = false;
            } else if (std::all_of(token.begin(), token.end(), is_name_char)) {
                table.try_emplace(text::to_lower(token), type);
            }
        }
    }
    return table;
}

MimeTable builtin_mime_types() {
    return {
        {"html", "text/html"},        {"htm", "text/html"},          {"css", "text/css"},
        {"csv", "text/csv"},          {"md", "text/markdown"},       {"xml", "application/xml"},
        {"js", "text/javascript"},    {"json", "application/json"},  {"pdf", "application/pdf"},
        {"zip", "application/zip"},   {"gz", "application/gzip"},    {"tar", "application/x-tar"},
        {"png", "image/png"},         {"jpg", "image/jpeg"},         {"jpeg", "image/jpeg"},
        {"gif", "image/gif"},         {"webp", "image/webp"},        {"svg", "image/svg+xml"},
        {"ico", "image/vnd.microsoft.icon"}, {"mp3", "audio/mpeg"},  {"ogg", "audio/ogg"},
        {"opus", "audio/ogg"},        {"flac", "audio/flac"},        {"wav", "audio/wav"},
        {"mp4", "video/mp4"},         {"webm", "video/webm"},        {"epub", "application/epub+zip"},
        {"atom", "application/atom+xml"}, {"rss", "application/rss+xml"},
    };
}

std::string gemtext_mime(std::string_view lang) {
    std::string out = "text/gemini; charset=utf-8";
    if (text::is_language_tag(lang)) out += "; lang=" + std::string(lang);
    return out;
}

std::string mime_type_for(std::string_view filename, const MimeTable& table, std::string_view lang) {
    const std::size_t dot = filename.rfind('.');
    if (dot == std::string_view::npos || dot == 0 || dot + 1 == filename.size()) return std::string(fallback_mime);
    const std::string ext = text::to_lower(filename.substr(dot + 1));
    if (ext == "gmi" || ext == "gemini") return gemtext_mime(lang);
    if (ext == "txt") return std::string(plain_text_mime);
    if (const auto it = table.find(ext); it != table.end()) return it->second;
    return std::string(fallback_mime);
}

}  // namespace kapsel::capsule
