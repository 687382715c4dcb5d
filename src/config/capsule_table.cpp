// [capsule]: whether to watch for changes; the single host's root and language.

#include "config/table_reader.hpp"
#include "text/language_tag.hpp"

namespace kapsel::config {

void read_lang(TableReader& r, std::string& lang) {
    r.read("lang", lang);
    if (r.get("lang") && !text::is_language_tag(lang))
        r.fail_at("lang", r.qualified("lang") + " must be one BCP 47 language tag such as \"sv\" or \"en-GB\"");
}

void read_capsule_table(TableReader& r, bool& watch, HostSettings* single, const std::filesystem::path& base) {
    for (const char* key : {"root", "lang"}) {
        if (r.get(key) && !single)
            r.fail_at(key, std::string("with [[host]] tables, each host's ") + key + " goes in its own table");
    }
    if (single) {
        r.read_path("root", single->root, base);
        read_lang(r, single->lang);
    }
    r.read("watch", watch);
}

}  // namespace kapsel::config
