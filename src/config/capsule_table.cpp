// [capsule]: where the capsule is, its language, whether to watch it.

#include "config/table_reader.hpp"
#include "text/language_tag.hpp"

namespace kapsel::config {

void read_capsule_table(TableReader& r, CapsuleSettings& s, const std::filesystem::path& base) {
    r.read_path("root", s.root, base);
    r.read("lang", s.lang);
    if (const auto* n = r.get("lang"); n && !text::is_language_tag(s.lang))
        r.fail(*n, "capsule.lang must be one BCP 47 language tag such as \"sv\" or \"en-GB\"");
    r.read("watch", s.watch);
}

}  // namespace kapsel::config
