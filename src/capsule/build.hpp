#pragma once
/// The pure half of loading a capsule: from the files' bytes (a SourceTree) and the few
/// settings that shape pages and feeds, to every prebuilt response. No file system, no
/// clock: the same tree and settings always give the same bytes.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "capsule/capsule.hpp"
#include "capsule/mime_types.hpp"
#include "capsule/source_tree.hpp"
#include "config/config.hpp"

namespace kapsel::capsule {

/// What the build needs to know beyond the files.
struct BuildSettings {
    std::string lang = "sv";                   // capsule.lang: documents without their own
    config::FeedSettings feed;                 // [feed], with parse_config's defaults filled in
    std::vector<std::string> hostnames;        // one /atom.xml each; the first is canonical
    std::optional<std::uint16_t> public_port;  // in the feeds' URLs
    std::string settings_file;                 // server.toml, named in messages about settings
    std::vector<config::RedirectRule> redirects;
    std::vector<config::GoneRule> gone;
    std::optional<config::WebSettings> web;    // the mirror is built when set
    /// The same host's capsule before this reload, or null. What did not change since is
    /// taken from it instead of being made again (today: the mirror's HTML pages); the
    /// result is byte for byte what a build without it gives.
    std::shared_ptr<const Capsule> previous;
};

/// The settings of `host` (of `config`) that the build takes.
BuildSettings build_settings(const config::HostSettings& host, const config::Config& config);

/// Static files served as they are (MIME type from `mime`), documents with front matter
/// converted to gemtext (and their plain text beside them), the generated entry list and one
/// Atom feed per hostname at /atom.xml. Throws SourceError naming the file and line for any
/// broken document; nothing is returned half-built.
std::shared_ptr<const Capsule> build_capsule(const SourceTree& tree, const MimeTable& mime,
                                             const BuildSettings& settings);

}  // namespace kapsel::capsule
