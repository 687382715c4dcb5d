#pragma once
// Source trees and build settings made in memory, for the capsule tests that build without a
// disk: a file as the walk would have read it, a tree changed in place, and the settings of a
// one-host capsule whose articles under artiklar/ are its feed.

#include <memory>
#include <string>
#include <utility>

#include "capsule/build.hpp"
#include "capsule/source_tree.hpp"

namespace kapsel::capsule::test_support {

/// rel_dir/name with `bytes`, named "rel_dir/name" in messages; no stamp (never read from disk).
inline std::shared_ptr<const SourceFile> file(std::string rel_dir, std::string name, std::string bytes) {
    std::string display = (rel_dir.empty() ? "" : rel_dir + "/") + name;
    return std::make_shared<const SourceFile>(
        SourceFile{std::move(rel_dir), std::move(name), std::move(display), std::move(bytes), {}});
}

/// `tree` with `f` in place of the file of its name, or added at the end when there is none.
inline void put(SourceTree& tree, std::shared_ptr<const SourceFile> f) {
    for (auto& existing : tree.files)
        if (existing->rel_dir == f->rel_dir && existing->name == f->name) {
            existing = std::move(f);
            return;
        }
    tree.files.push_back(std::move(f));
}

/// Host "localhost", settings file "server.toml", the feed "Anteckningar" of artiklar/.
inline BuildSettings article_settings() {
    BuildSettings s;
    s.hostnames = {"localhost"};
    s.settings_file = "server.toml";
    s.feed.title = "Anteckningar";
    s.feed.authority = "x.example,2024";
    s.feed.paths = {"artiklar"};
    return s;
}

}  // namespace kapsel::capsule::test_support
