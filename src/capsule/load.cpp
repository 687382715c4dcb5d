// load_capsule(s): each host's tree read from disk (source_tree.cpp), then built (build.cpp);
// several hosts at once, one thread each.

#include <exception>
#include <future>

#include "capsule/build.hpp"

namespace kapsel::capsule {

namespace {

// The tree of `host` as read now: whole, or where `changes` say when they can.
SourceTree read_tree(const config::HostSettings& host, const SourceTree* previous, const DiskChanges* changes) {
    if (!previous || !changes || changes->everything) return read_source_tree(host.root, previous);
    const auto root = host.root.lexically_normal();
    std::vector<std::string> below;  // the changes below this root, relative to it
    for (const auto& path : changes->paths) {
        const auto rel = path.lexically_normal().lexically_relative(root);
        if (rel.empty() || *rel.begin() == "..") continue;  // another tree's, or a settings file
        if (rel == ".") return read_source_tree(host.root, previous);  // the root itself
        std::string r = rel.string();
        while (r.ends_with('/')) r.pop_back();
        below.push_back(std::move(r));
    }
    return read_changed_source_tree(host.root, *previous, below);
}

}  // namespace

std::shared_ptr<const Capsule> load_capsule(const config::HostSettings& host, const config::Config& config,
                                            const HostEdit* edit, std::shared_ptr<const Capsule> previous,
                                            const DiskChanges* changes) {
    const std::shared_ptr<const SourceTree> before = previous ? previous->source() : nullptr;
    auto tree = std::make_shared<SourceTree>(read_tree(host, before.get(), changes));
    BuildSettings settings = build_settings(host, config);
    settings.previous = std::move(previous);
    settings.deleted = read_deleted_paths(host.titan.state_file);
    if (edit) {
        edit_source_tree(*tree, edit->rel_dir, edit->name, (host.root / edit->rel_dir / edit->name).string(), edit->bytes);
        settings.deleted = edit->deleted;
    }
    settings.source = tree;
    auto capsule = build_capsule(*tree, read_mime_types(), settings);
    // The capsule keeps the tree for the next load, but not the bytes of images, audio and
    // other static files: its responses already hold them, and a second copy would double a
    // media-heavy capsule's memory. A whole walk reads such files again (their stamp cleared); a
    // load that reads only what changed takes their bytes from this capsule's responses (the
    // build, by kept_without_bytes); documents and gemtext pages, small and parsed, keep theirs. The previous tree's
    // files, met again in the same order, are as it left them: only the others are looked at.
    std::size_t j = 0;
    for (auto& f : tree->files) {
        if (before) {
            const auto& then = before->files;
            while (j < then.size() && then[j] != f && walk_order_less(then[j]->rel_dir, then[j]->name, f->rel_dir, f->name))
                ++j;  // gone from the tree
            if (j < then.size() && then[j] == f) {
                ++j;
                continue;
            }
        }
        if (is_textual(f->name) || kept_without_bytes(*f)) continue;
        f = std::make_shared<const SourceFile>(SourceFile{f->rel_dir, f->name, f->display, {}, {}});
    }
    return capsule;
}

std::vector<std::shared_ptr<const Capsule>> load_capsules(
    const config::Config& config, const HostEdit* edit,
    const std::map<std::string, std::shared_ptr<const Capsule>, std::less<>>& previous, const DiskChanges* changes) {
    const auto edit_of = [edit](std::size_t i) { return edit && edit->host == i ? edit : nullptr; };
    const auto previous_of = [&](const config::HostSettings& host) -> std::shared_ptr<const Capsule> {
        const auto it = previous.find(host.names.front());
        return it == previous.end() ? nullptr : it->second;
    };
    if (config.hosts.size() == 1)
        return {load_capsule(config.hosts.front(), config, edit_of(0), previous_of(config.hosts.front()), changes)};
    std::vector<std::future<std::shared_ptr<const Capsule>>> loads;
    for (std::size_t i = 0; i < config.hosts.size(); ++i)
        loads.push_back(
            std::async(std::launch::async, [&config, i, e = edit_of(i), old = previous_of(config.hosts[i]), changes] {
                return load_capsule(config.hosts[i], config, e, old, changes);
            }));
    std::vector<std::shared_ptr<const Capsule>> capsules;
    std::exception_ptr first_failure;
    for (auto& load : loads) {
        try {
            capsules.push_back(load.get());  // every thread is waited for, failed or not
        } catch (...) {
            if (!first_failure) first_failure = std::current_exception();
        }
    }
    if (first_failure) std::rethrow_exception(first_failure);
    return capsules;
}

}  // namespace kapsel::capsule
