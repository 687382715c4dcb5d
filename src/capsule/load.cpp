// load_capsule: the tree read from disk (source_tree.cpp), then built (build.cpp).

#include "capsule/build.hpp"

namespace kapsel::capsule {

std::shared_ptr<const Capsule> load_capsule(const config::Config& config) {
    return build_capsule(read_source_tree(config.capsule.root), read_mime_types(), build_settings(config));
}

}  // namespace kapsel::capsule
