// load_capsule(s): each host's tree read from disk (source_tree.cpp), then built (build.cpp);
// several hosts at once, one thread each.

#include <exception>
#include <future>

#include "capsule/build.hpp"

namespace kapsel::capsule {

std::shared_ptr<const Capsule> load_capsule(const config::HostSettings& host, const config::Config& config,
                                            std::shared_ptr<const Capsule> previous) {
    BuildSettings settings = build_settings(host, config);
    settings.previous = std::move(previous);
    return build_capsule(read_source_tree(host.root), read_mime_types(), settings);
}

std::vector<std::shared_ptr<const Capsule>> load_capsules(
    const config::Config& config, const std::map<std::string, std::shared_ptr<const Capsule>, std::less<>>& previous) {
    const auto previous_of = [&](const config::HostSettings& host) -> std::shared_ptr<const Capsule> {
        const auto it = previous.find(host.names.front());
        return it == previous.end() ? nullptr : it->second;
    };
    if (config.hosts.size() == 1) return {load_capsule(config.hosts.front(), config, previous_of(config.hosts.front()))};
    std::vector<std::future<std::shared_ptr<const Capsule>>> loads;
    for (const auto& host : config.hosts)
        loads.push_back(std::async(std::launch::async, [&host, &config, old = previous_of(host)] {
            return load_capsule(host, config, old);
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
