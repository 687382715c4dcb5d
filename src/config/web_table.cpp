// [web]: the static web mirror of a host, for HTTP feed readers and browsers.

#include "config/table_reader.hpp"
#include "gemini/request.hpp"

namespace kapsel::config {
namespace {

bool inside(const std::filesystem::path& dir, const std::filesystem::path& root) {
    auto d = dir.lexically_normal(), r = root.lexically_normal();
    if (!r.has_filename()) r = r.parent_path();
    auto di = d.begin(), ri = r.begin();
    for (; ri != r.end(); ++ri, ++di)
        if (di == d.end() || *di != *ri) return false;
    return true;
}

}  // namespace

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
        if (inside(web.export_dir, root))
            r.fail_at("export_dir", r.qualified("export_dir") + ": " + web.export_dir.string() +
                                        " is inside the capsule " + root.string() + "; the mirror must be written elsewhere");
        out = std::move(web);
    });
}

}  // namespace kapsel::config
