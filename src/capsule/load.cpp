// load_capsule(s): each host's tree read from disk (source_tree.cpp), then built (build.cpp);
// several hosts at once, one thread each.

#include <exception>
#include <future>

#include "capsule/build.hpp"

namespace kapsel::capsule {

std::shared_ptr<const Capsule> load_capsule(const config::HostSettings& host, const config::Config& config) {
    return build_capsule(read_source_tree(host.root), read_mime_types(), build_settings(host, config));
}

std::vector<std::shared_ptr<const Capsule>> load_capsules(const config::Config& config) {
    if (config.hosts.size() == 1) return {load_capsule(config.hosts.front(), config)};
    std::vector<std::future<std::shared_ptr<const Capsule>>> loads;
    for (const auto& host : config.hosts)
        loads.push_back(std::async(std::launch::async, [&host, &config] { return load_capsule(host, config); }));
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
