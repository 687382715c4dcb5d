#include "upload/target.hpp"

#include <algorithm>

#include "syndication/front_matter.hpp"

namespace kapsel::upload {
namespace {

gemini::Rejection refuse(std::string meta) { return {gemini::Status::bad_request, std::move(meta)}; }

// "/artiklar/", "/a/, /b/ or /c/"
std::string upload_directories(const config::TitanSettings& titan) {
    std::string list;
    for (std::size_t i = 0; i < titan.paths.size(); ++i)
        list += (i == 0 ? "" : i + 1 == titan.paths.size() ? " or " : ", ") + ("/" + titan.paths[i] + "/");
    return list;
}

}  // namespace

std::string Target::file_name() const { return stem + (format == Format::plain_text ? ".txt" : ".gmi"); }

std::string Target::page_path() const { return "/" + rel_dir + "/" + stem + ".gmi"; }

std::string Target::file_path() const { return rel_dir + "/" + file_name(); }

Checked upload_target(const config::TitanSettings& titan, std::string_view path, std::string_view mime, bool deletion) {
    if (!path.starts_with('/')) return refuse("Not an absolute path");  // request paths always are
    if (path == "/" || path == "/index.gmi")
        return refuse("The start page is not uploaded; articles go into " + upload_directories(titan));
    const auto slash = path.rfind('/');
    const std::string_view dir = path.substr(1, slash == 0 ? 0 : slash - 1);
    const std::string_view name = path.substr(slash + 1);
    if (name.empty()) return refuse(std::string(path) + " is a directory: upload to " + std::string(path) + "NAME.gmi");
    if (std::find(titan.paths.begin(), titan.paths.end(), dir) == titan.paths.end())
        return refuse("Uploads go only into " + upload_directories(titan));

    const bool txt = name.ends_with(".txt");
    if (!txt && !name.ends_with(".gmi"))
        return refuse("Only documents are uploaded: NAME.gmi (text/gemini or text/plain) or NAME.txt (text/plain)");
    const std::string_view stem = name.substr(0, name.size() - 4);
    if (syndication::check_slug(stem))
        return refuse("\"" + std::string(stem) +
                      "\" is not a document name: use lower-case a-z, 0-9, '-' and '_', starting with a letter or digit");
    if (stem == "index") return refuse("index.gmi is the directory's start page; it is not uploaded");

    Target target{std::string(dir), std::string(stem), Format::gemtext};
    if (deletion) {
        target.format = txt ? Format::plain_text : Format::either;
        return target;
    }
    if (mime == "text/plain") {
        target.format = Format::plain_text;
    } else if (mime == "text/gemini") {
        if (txt) return refuse("text/gemini is uploaded to " + std::string(stem) + ".gmi; " + std::string(stem) +
                               ".txt is a plain text's (mime=text/plain)");
    } else {
        return refuse("Only text/plain and text/gemini are uploaded, not " + std::string(mime));
    }
    return target;
}

}  // namespace kapsel::upload
