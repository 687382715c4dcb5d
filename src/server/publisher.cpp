// Publisher (publisher.hpp): one upload, from its target on disk to the reply.
//
// The order is what keeps the old state on any failure: everything that can refuse the upload
// (the disk's answer, the document, the build of the whole capsule with it) runs before anything
// is written; then the file is written atomically; then the built site goes into service. A
// crash between the steps leaves the old file or the new one, and a new file only once it built.
// A deletion writes the state file first and removes the document after: a crash between leaves
// the document served (a path that is served never answers 52), as if nothing had happened.

#include "server/publisher.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>

#include "capsule/deleted_paths.hpp"
#include "capsule/source_tree.hpp"
#include "gemini/uri.hpp"
#include "server/serving_state.hpp"
#include "server/upload_files.hpp"
#include "syndication/front_matter.hpp"
#include "upload/document.hpp"

namespace kapsel::server {
namespace {

using gemini::Status;

class Refusal : public std::runtime_error {
public:
    Refusal(Status status, const std::string& meta) : std::runtime_error(meta), status_(status) {}
    Status status() const { return status_; }

private:
    Status status_;
};

[[noreturn]] void refuse(const std::string& meta) { throw Refusal(Status::bad_request, meta); }

syndication::DateTime now_utc() {
    const auto seconds =
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
    return syndication::utc_from_unix_seconds(seconds);
}

std::string other_file(const upload::Target& t) { return t.stem + (t.format == upload::Format::plain_text ? ".gmi" : ".txt"); }

// Refuses, in words, what an upload may not replace or remove: anything but a file or nothing.
void refuse_unless_file_or_missing(UploadDirectory::Kind kind, const std::string& path) {
    switch (kind) {
        case UploadDirectory::Kind::symbolic_link: refuse(path + " is a symbolic link: uploads never replace one");
        case UploadDirectory::Kind::directory: refuse(path + " is a directory");
        case UploadDirectory::Kind::other: refuse(path + " is not a regular file");
        case UploadDirectory::Kind::file:
        case UploadDirectory::Kind::missing: break;
    }
}

// A deletion or an edit through the page's URL (NAME.gmi) means whichever file serves it.
void resolve_either(const UploadDirectory& dir, upload::Target& target) {
    if (target.format != upload::Format::either) return;
    target.format = upload::Format::gemtext;
    if (dir.kind(target.file_name()) == UploadDirectory::Kind::missing) target.format = upload::Format::plain_text;
}

// ";edit": the document's file as written, front matter and all, to be edited and sent back.
site::Reply source_of(const UploadDirectory& dir, upload::Target target, const std::string& path) {
    resolve_either(dir, target);
    const std::string name = target.file_name();
    const auto kind = dir.kind(name);
    refuse_unless_file_or_missing(kind, "/" + target.file_path());
    if (kind == UploadDirectory::Kind::missing)
        throw Refusal(Status::not_found, "Nothing to edit at " + path + " yet: upload to it to make it");
    const std::string bytes = dir.read(name);
    if (!syndication::has_front_matter(bytes))
        refuse("/" + target.file_path() + " is not a document (no front matter); uploads do not edit it");
    site::Reply reply;
    reply.status = Status::success;
    reply.owned = gemini::response_header(Status::success, target.format == upload::Format::plain_text
                                                               ? "text/plain; charset=utf-8"
                                                               : "text/gemini; charset=utf-8") +
                  bytes;
    reply.bytes = reply.owned;
    return reply;
}

}  // namespace

Publisher::Publisher(const config::Config& config, Install install, Expect expect, Current current)
    : config_(config), install_(std::move(install)), expect_(std::move(expect)), current_(std::move(current)) {}

site::Reply Publisher::publish(const site::Upload& upload) {
    try {
        return publish_or_throw(upload);
    } catch (const Refusal& r) {
        return site::header_only(r.status(), r.what());
    } catch (const UploadRefused& r) {
        return site::header_only(Status::bad_request, r.what());
    } catch (const std::exception& e) {
        spdlog::error("upload to {} not published: {}", upload.path, e.what());
        return site::header_only(Status::temporary_failure, std::string("Not published: ") + e.what());
    }
}

site::Reply Publisher::publish_or_throw(const site::Upload& upload) {
    // The configuration now, which a reload may have changed since the request line was judged.
    const auto& hosts = config_.hosts;
    const auto host_it = std::find_if(hosts.begin(), hosts.end(), [&](const config::HostSettings& h) {
        return std::find(h.names.begin(), h.names.end(), upload.host_name) != h.names.end();
    });
    if (host_it == hosts.end() || !host_it->titan.enabled)
        refuse("Titan uploads are not enabled on this host");
    const config::HostSettings& host = *host_it;
    upload::Target target = upload.target;
    if (std::find(host.titan.paths.begin(), host.titan.paths.end(), target.rel_dir) == host.titan.paths.end())
        refuse("Uploads do not go into /" + target.rel_dir + "/ any more");

    UploadDirectory dir(host.root, target.rel_dir);
    if (upload.edit) return source_of(dir, target, upload.path);
    const bool deletion = upload.size == 0;
    capsule::HostEdit edit;
    edit.host = static_cast<std::size_t>(host_it - hosts.begin());
    edit.rel_dir = target.rel_dir;
    std::vector<std::string> deleted = capsule::read_deleted_paths(host.titan.state_file);
    std::string page = target.page_path();
    std::optional<upload::Prepared> prepared;

    if (deletion) {
        resolve_either(dir, target);
        const std::string name = target.file_name();
        const auto kind = dir.kind(name);
        refuse_unless_file_or_missing(kind, "/" + target.file_path());
        if (kind == UploadDirectory::Kind::missing)
            throw Refusal(Status::not_found, "Nothing to delete at " + upload.path);
        const std::string old = dir.read(name);
        if (!syndication::has_front_matter(old))
            refuse("/" + target.file_path() + " is not a document (no front matter); uploads do not delete it");
        const auto gone = upload::served_paths(old, target.rel_dir, target.stem, target.format == upload::Format::plain_text);
        page = gone.front();
        deleted.insert(deleted.end(), gone.begin(), gone.end());
        edit.name = name;
    } else {
        // Text sent to a gemtext document's page edits it: Lagrange's editor sends text/plain
        // whatever the page is (a new NAME.gmi of text/plain is a plain-text document).
        if (target.format == upload::Format::plain_text && upload.path.ends_with(".gmi") &&
            dir.kind(target.stem + ".gmi") != UploadDirectory::Kind::missing &&
            dir.kind(target.stem + ".txt") == UploadDirectory::Kind::missing)
            target.format = upload::Format::gemtext;
        const std::string name = target.file_name();
        const auto kind = dir.kind(name);
        refuse_unless_file_or_missing(kind, "/" + target.file_path());
        // The same page from the other kind of file: this upload would serve it twice.
        const std::string other = other_file(target);
        if (dir.kind(other) != UploadDirectory::Kind::missing) {
            const std::string page_of = "/" + target.rel_dir + "/" + target.stem + ".gmi";
            if (target.format == upload::Format::gemtext)
                refuse(page_of + " is the page of the plain text /" + target.rel_dir + "/" + other +
                       ": upload text/plain to edit it, or delete it first");
            refuse(page_of + " is a gemtext document: upload text/gemini to edit it, or delete it first");
        }
        std::optional<std::string> previous;
        if (kind == UploadDirectory::Kind::file) {
            previous = dir.read(name);
            if (!syndication::has_front_matter(*previous))
                refuse("/" + target.file_path() + " is not a document (no front matter); uploads do not replace it");
        }
        auto made = upload::prepare_document(upload.body, target, previous, now_utc());
        if (auto* rejection = std::get_if<gemini::Rejection>(&made)) throw Refusal(rejection->status, rejection->meta);
        prepared = std::move(std::get<upload::Prepared>(made));
        page = "/" + target.rel_dir + "/" + prepared->slug + ".gmi";
        // Served again: no longer gone.
        const auto served = upload::served_paths(prepared->bytes, target.rel_dir, target.stem,
                                                 target.format == upload::Format::plain_text);
        std::erase_if(deleted, [&](const std::string& p) {
            return std::find(served.begin(), served.end(), p) != served.end();
        });
        edit.name = name;
        edit.bytes = prepared->bytes;
    }
    std::sort(deleted.begin(), deleted.end());
    deleted.erase(std::unique(deleted.begin(), deleted.end()), deleted.end());
    const bool deletions_changed = deleted != capsule::read_deleted_paths(host.titan.state_file);
    edit.deleted = deleted;

    // Built whole, with the upload, before anything is written.
    const std::string display = (host.root / edit.rel_dir / edit.name).string();
    std::shared_ptr<const site::Site> site;
    try {
        site = load_site(config_, &edit, current_().get());
    } catch (const capsule::SourceError& e) {
        if (prepared && e.path() == display) {  // the upload's own line, as the client sent it
            const auto rejection = prepared->lines.rejection(e.line(), e.message());
            throw Refusal(rejection.status, rejection.meta);
        }
        // The running state built, so what the upload changed is what broke it: a deletion that
        // another page still relates to, a slug or id another document has, a rule it would hide.
        const std::string what = e.what();
        if (deletion) refuse("Not deleted: " + what);
        if (what.find(display) != std::string::npos) refuse(what);
        throw std::runtime_error("the capsule does not build: " + what);
    } catch (const config::ConfigError& e) {
        const std::string what = e.what();
        if (deletion) refuse("Not deleted: " + what);
        if (what.find(display) != std::string::npos) refuse(what);
        throw std::runtime_error("the capsule does not build: " + what);
    }

    // Written: the document atomically, the deletions beside it (see the order above).
    expect_(host.root / edit.rel_dir / edit.name);
    if (deletion) {
        replace_file(host.titan.state_file, capsule::format_deleted_paths(deleted));
        dir.remove(edit.name);
    } else {
        dir.write(edit.name, *edit.bytes);
        if (deletions_changed) {
            try {
                replace_file(host.titan.state_file, capsule::format_deleted_paths(deleted));
            } catch (const std::exception& e) {
                // The page is written and served; a path still listed is ignored while served.
                spdlog::warn("{} not updated: {}", host.titan.state_file.string(), e.what());
            }
        }
    }
    install_(site);
    return site::header_only(Status::redirect_temporary,
                             gemini::absolute_url(gemini::base_url(upload.host_name, upload.port), page));
}

void Publisher::prepare_directories(const config::Config& config) {
    for (const auto& host : config.hosts) {
        if (!host.titan.enabled) continue;
        std::error_code ec;
        std::filesystem::create_directories(host.titan.state_file.parent_path(), ec);
        if (ec)
            spdlog::warn("cannot make {} for titan.state_file: {}", host.titan.state_file.parent_path().string(),
                         ec.message());
        std::size_t removed = remove_upload_leftovers(host.titan.state_file.parent_path());
        for (const auto& rel : host.titan.paths) {
            try {
                removed += UploadDirectory(host.root, rel).remove_leftovers();
            } catch (const std::exception& e) {
                spdlog::warn("uploads into /{}/ will be refused: {}", rel, e.what());
            }
        }
        if (removed)
            spdlog::info("removed {} temporary file{} left by uploads cut short", removed, removed == 1 ? "" : "s");
    }
}

}  // namespace kapsel::server
