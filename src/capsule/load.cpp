// load_capsule(s): each host's tree read from disk (source_tree.cpp), then built (build.cpp);
// several hosts at once, one thread each.

#include <exception>
#include <future>

#include "capsule/build.hpp"
#include "text/ascii.hpp"

namespace kapsel::capsule {

std::shared_ptr<const Capsule> load_capsule(const config::HostSettings& host, const config::Config& config,
                                            const HostEdit* edit, std::shared_ptr<const Capsule> previous) {
    auto tree = std::make_shared<SourceTree>(
        read_source_tree(host.root, previous && previous->source() ? previous->source().get() : nullptr));
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
    // media-heavy capsule's memory. Such files are read again at the next load (their stamp
    // cleared); documents and gemtext pages, small and parsed, keep theirs.
    for (SourceFile& f : tree->files) {
        const auto dot = f.name.rfind('.');
        const std::string ext = dot == std::string::npos ? std::string() : text::to_lower(f.name.substr(dot + 1));
        if (ext == "gmi" || ext == "txt") continue;
        std::string().swap(f.bytes);
        f.stamp = {};
    }
    return capsule;
}

std::vector<std::shared_ptr<const Capsule>> load_capsules(
    const config::Config& config, const HostEdit* edit,
    const std::map<std::string, std::shared_ptr<const Capsule>, std::less<>>& previous) {
    const auto edit_of = [edit](std::size_t i) { return edit && edit->host == i ? edit : nullptr; };
    const auto previous_of = [&](const config::HostSettings& host) -> std::shared_ptr<const Capsule> {
        const auto it = previous.find(host.names.front());
        return it == previous.end() ? nullptr : it->second;
    };
    if (config.hosts.size() == 1)
        return {load_capsule(config.hosts.front(), config, edit_of(0), previous_of(config.hosts.front()))};
    std::vector<std::future<std::shared_ptr<const Capsule>>> loads;
    for (std::size_t i = 0; i < config.hosts.size(); ++i)
        loads.push_back(std::async(std::launch::async, [&config, i, e = edit_of(i), old = previous_of(config.hosts[i])] {
            return load_capsule(config.hosts[i], config, e, old);
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
