#include "capsule/capsule.hpp"

#include <algorithm>

namespace kapsel::capsule {
namespace {

std::string without_trailing_slash(std::string_view path) {
    while (!path.empty() && path.back() == '/') path.remove_suffix(1);
    return std::string(path);
}

std::string error_text(const std::string& path, int line, const std::string& message) {
    return line > 0 ? path + ":" + std::to_string(line) + ": " + message : path + ": " + message;
}

}  // namespace

SourceError::SourceError(std::string path, int line, const std::string& message)
    : std::runtime_error(error_text(path, line, message)), path_(std::move(path)), line_(line), message_(message) {}

const Response* Capsule::find(std::string_view host, std::string_view path) const {
    const std::string key = path.empty() ? std::string("/") : std::string(path);
    if (const auto h = per_host_.find(host); h != per_host_.end()) {
        if (const auto it = h->second.find(key); it != h->second.end()) return it->second.get();
    }
    const auto* shared = shared_.find(key);
    return shared ? shared->get() : nullptr;
}

std::shared_ptr<const Response> Capsule::shared_response(const std::string& path) const {
    const auto* shared = shared_.find(path);
    return shared ? *shared : nullptr;
}

bool Capsule::is_directory(std::string_view path) const {
    return directories_.contains(without_trailing_slash(path));
}

std::map<std::string, std::string> Capsule::describe() const {
    std::map<std::string, std::string> out;
    shared_.for_each([&](const std::string& path, const auto& r) { out.emplace("* " + path, r->bytes); });
    for (const auto& [host, responses] : per_host_)
        for (const auto& [path, r] : responses) out.emplace(host + " " + path, r->bytes);
    for (const auto& [path, yes] : directories_) out.emplace("directory " + path, yes ? "1" : "0");
    for (const auto& [from, r] : redirects_)
        out.emplace("redirect " + from, r.target + (r.permanent ? " 31 " : " 30 ") + r.rest);
    for (const auto& [from, r] : prefix_redirects_)
        out.emplace("redirect prefix " + from, r.target + (r.permanent ? " 31 " : " 30 ") + r.rest);
    for (const auto& [path, yes] : gone_) out.emplace("gone " + path, yes ? "1" : "0");
    for (const auto& prefix : gone_prefixes_) out.emplace("gone prefix " + prefix, "");
    for (const auto& [file, bytes] : mirror_) out.emplace("mirror " + file, *bytes);
    for (std::size_t i = 0; i < warnings_.size(); ++i) out.emplace("warning " + std::to_string(i), warnings_[i]);
    out.emplace("entries", std::to_string(entry_count_));
    return out;
}

void Capsule::add(std::string path, Response response) {
    add(std::move(path), std::make_shared<const Response>(std::move(response)));
}

void Capsule::add(std::string path, std::shared_ptr<const Response> response) {
    shared_.insert_or_assign(std::move(path), std::move(response));
}

void Capsule::add_for_host(const std::string& host, std::string path, std::shared_ptr<const Response> response) {
    per_host_[host].insert_or_assign(std::move(path), std::move(response));
}

void Capsule::remove(const std::string& path) {
    shared_.erase(path);
    for (auto& [host, responses] : per_host_) responses.erase(path);
}

void Capsule::add_directory(std::string path_without_slash) {
    directories_.insert_or_assign(without_trailing_slash(path_without_slash), true);
}

std::optional<Redirect> Capsule::redirect_for(std::string_view path) const {
    if (const auto it = redirects_.find(std::string(path)); it != redirects_.end()) return it->second;
    for (const auto& [prefix, redirect] : prefix_redirects_) {
        // "/gammalt/x.gmi", "/gammalt/", and "/gammalt" itself (the directory, as a client may
        // write it) all move.
        const bool the_directory = path.size() + 1 == prefix.size() && prefix.starts_with(path);
        if (!path.starts_with(prefix) && !the_directory) continue;
        Redirect r = redirect;
        if (!the_directory) r.rest = path.substr(prefix.size());
        return r;
    }
    return std::nullopt;
}

bool Capsule::is_gone(std::string_view path) const {
    if (gone_.contains(std::string(path))) return true;
    return std::any_of(gone_prefixes_.begin(), gone_prefixes_.end(), [&](const std::string& p) {
        return path.starts_with(p) || (path.size() + 1 == p.size() && p.starts_with(path));  // "/x/" covers "/x"
    });
}

void Capsule::add_redirect(std::string from, Redirect redirect) {
    if (!from.ends_with('/')) {
        redirects_.insert_or_assign(std::move(from), std::move(redirect));
        return;
    }
    prefix_redirects_.emplace_back(std::move(from), std::move(redirect));
    std::stable_sort(prefix_redirects_.begin(), prefix_redirects_.end(),
                     [](const auto& a, const auto& b) { return a.first.size() > b.first.size(); });
}

void Capsule::add_gone(std::string path) {
    if (path.ends_with('/')) gone_prefixes_.push_back(std::move(path));
    else gone_.insert_or_assign(std::move(path), true);
}

void Capsule::add_mirror_file(std::string path, std::string bytes) {
    mirror_.insert_or_assign(std::move(path), std::make_shared<const std::string>(std::move(bytes)));
}

void Capsule::add_mirror_file(std::string path, std::shared_ptr<const std::string> bytes) {
    mirror_.insert_or_assign(std::move(path), std::move(bytes));
}

void Capsule::set_mirror_page_source(std::string file, MirrorPageSource source) {
    mirror_sources_.insert_or_assign(std::move(file), std::move(source));
}

void Capsule::remember_document(std::string display, std::shared_ptr<const DocumentProducts> products) {
    documents_.insert_or_assign(std::move(display), std::move(products));
}

const DocumentProducts* Capsule::document_products(const std::string& display) const {
    const auto* products = documents_.find(display);
    return products ? products->get() : nullptr;
}

void Capsule::remember_feed_document(std::string key, std::shared_ptr<const FeedDocumentProducts> products) {
    feed_documents_.insert_or_assign(std::move(key), std::move(products));
}

const FeedDocumentProducts* Capsule::feed_document(const std::string& key) const {
    const auto it = feed_documents_.find(key);
    return it == feed_documents_.end() ? nullptr : it->second.get();
}

const MirrorPageSource* Capsule::mirror_page_source(std::string_view file) const {
    const auto it = mirror_sources_.find(file);
    return it == mirror_sources_.end() ? nullptr : &it->second;
}

}  // namespace kapsel::capsule
