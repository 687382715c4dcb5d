// [web]: the static web mirror of a host, for HTTP feed readers and browsers.

#include "config/table_reader.hpp"
#include "gemini/request.hpp"

namespace kapsel::config {
namespace {

namespace fs = std::filesystem;

// `dir` is `root` or below it (both made absolute and normal: a relative and an absolute
// spelling of one directory are the same directory).
bool inside(const fs::path& dir, const fs::path& root) {
    auto d = fs::absolute(dir).lexically_normal(), r = fs::absolute(root).lexically_normal();
    if (!r.has_filename()) r = r.parent_path();
    if (!d.has_filename()) d = d.parent_path();
    auto di = d.begin(), ri = r.begin();
    for (; ri != r.end(); ++ri, ++di)
        if (di == d.end() || *di != *ri) return false;
    return true;
}

}  // namespace

std::optional<std::string> export_dir_problem(const fs::path& export_dir, const fs::path& capsule_root,
                                              const fs::path& config_dir) {
    if (inside(export_dir, capsule_root))
        return export_dir.string() + " is inside the capsule " + capsule_root.string() +
               "; the mirror must be written elsewhere";
    // A web server serves everything below the directory: never server.toml, keys, certificates.
    if (inside(config_dir, export_dir))
        return export_dir.string() + " holds the configuration's directory " + config_dir.string() +
               " (server.toml, certificates and keys, which a web server would then serve); write the mirror "
               "elsewhere";
    if (inside(capsule_root, export_dir))
        return export_dir.string() + " holds the capsule " + capsule_root.string() +
               "; the mirror must be written elsewhere";
    return std::nullopt;
}

void read_web_table(TableReader& parent, std::optional<WebSettings>& out, const std::filesystem::path& root,
                    const std::filesystem::path& base) {
    read_table(parent, "web", [&](TableReader& r) {
        WebSettings web;
        if (!r.get("export_dir")) r.fail(r.node(), "[web] needs export_dir = \"DIRECTORY\"");
        if (!r.get("base_url")) r.fail(r.node(), "[web] needs base_url = \"https://example.org/\"");
        r.read_path("export_dir", web.export_dir, base);
        r.read("base_url", web.base_url);
        // http(s)://host[:port]/[path/]: parsed with the request rules (any scheme parses).
        const bool http = web.base_url.starts_with("https://") || web.base_url.starts_with("http://");
        const auto parsed = gemini::parse_uri(web.base_url);
        const auto* uri = std::get_if<gemini::Request>(&parsed);
        if (!http || !uri || uri->host.empty() || uri->query)
            r.fail_at("base_url", r.qualified("base_url") + " must be an http:// or https:// URL such as "
                                                             "\"https://kapsel.example/\"");
        if (!web.base_url.ends_with('/')) web.base_url += '/';
        if (const auto problem = export_dir_problem(web.export_dir, root, base))
            r.fail_at("export_dir", r.qualified("export_dir") + ": " + *problem);
        out = std::move(web);
    });
}

}  // namespace kapsel::config
