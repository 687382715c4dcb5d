// [titan]: uploads from Gemini clients into a host's capsule (the Titan protocol).

#include <algorithm>
#include <set>

#include "config/table_reader.hpp"
#include "gemini/utf8.hpp"

namespace kapsel::config {
namespace {

// A capsule directory as feed.paths writes it ("artiklar", "a/b"): no slash at either end, no
// empty, ".", ".." or dot segment (dot-directories are never served, so never written either).
void normalise_upload_path(std::string& v) {
    while (!v.empty() && v.front() == '/') v.erase(v.begin());
    while (!v.empty() && v.back() == '/') v.pop_back();
    if (v.empty())
        throw std::invalid_argument("an upload path must name a directory below the capsule root, such as \"artiklar\"");
    for (std::size_t start = 0; start <= v.size();) {
        const std::size_t end = std::min(v.find('/', start), v.size());
        const std::string_view segment = std::string_view(v).substr(start, end - start);
        if (segment.empty() || segment.front() == '.')
            throw std::invalid_argument("'" + v + "' must be a capsule directory without empty, '.', '..' or dot segments");
        start = end + 1;
    }
    if (v.find('\\') != std::string::npos || gemini::has_control_character(v))
        throw std::invalid_argument("'" + v + "' must not hold a backslash or a control character");
}

// The relative path of `file` below `root`, or nullopt when it is not below it.
std::optional<std::filesystem::path> below(const std::filesystem::path& file, const std::filesystem::path& root) {
    auto r = root.lexically_normal();
    if (!r.has_filename()) r = r.parent_path();
    const auto f = file.lexically_normal();
    auto fi = f.begin();
    for (auto ri = r.begin(); ri != r.end(); ++ri, ++fi)
        if (fi == f.end() || *fi != *ri) return std::nullopt;
    std::filesystem::path rest;
    for (; fi != f.end(); ++fi) rest /= *fi;
    return rest;
}

}  // namespace

void read_titan_table(TableReader& parent, TitanSettings& out, const std::filesystem::path& root,
                      const std::filesystem::path& base) {
    read_table(parent, "titan", [&](TableReader& r) {
        TitanSettings t;
        r.read("enabled", t.enabled);
        std::set<std::string> seen;
        r.read_strings("paths", t.paths, [&](std::string& v) {
            normalise_upload_path(v);
            if (!seen.insert(v).second) throw std::invalid_argument("'" + v + "' is listed twice");
        });
        r.read_integer("max_size", t.max_size, 1, 64 * 1024 * 1024);
        r.read_strings("tokens", t.tokens, [](std::string& v) {
            // The token is all that stands between the Internet and the capsule.
            const auto characters = std::count_if(v.begin(), v.end(), [](char c) { return (c & 0xC0) != 0x80; });
            if (characters < 16)
                throw std::invalid_argument("a token must be at least 16 characters (make one with openssl rand -hex 16)");
            if (gemini::has_control_character(v)) throw std::invalid_argument("a token must not hold control characters");
        });
        r.read_strings("allow", t.allow, [](std::string& v) { v = normalise_fingerprint(v); });
        r.read_number("min_rate", t.min_rate, 1, 1e9);
        r.read_path("state_file", t.state_file, base);
        if (!t.state_file.empty()) {
            // Inside the capsule only where nothing is served: below a dot-file or dot-directory.
            if (const auto rest = below(t.state_file, root)) {
                const bool hidden = std::any_of(rest->begin(), rest->end(),
                                                [](const std::filesystem::path& p) { return p.string().starts_with('.'); });
                if (!hidden)
                    r.fail_at("state_file", r.qualified("state_file") + ": " + t.state_file.string() +
                                                " is inside the capsule " + root.string() +
                                                " and would be served; put it below a dot-directory (the default is "
                                                ".kapsel/deleted) or outside the capsule");
            }
        }
        if (t.enabled) {
            if (t.paths.empty())
                r.fail(r.node(), "[titan] enabled needs paths = [\"DIRECTORY\", ...]: the capsule directories uploads "
                                 "go into");
            if (t.tokens.empty() && t.allow.empty())
                r.fail(r.node(), "[titan] enabled needs tokens = [\"...\"] or allow = [\"FINGERPRINT\", ...]: who may "
                                 "upload");
        }
        out = std::move(t);
    });
}

}  // namespace kapsel::config
