#pragma once
/// The running server: wires config, capsule, TLS and listeners; owns signals and reload.

#include <filesystem>
#include <string>
#include <vector>

#include "config/config.hpp"

namespace kapsel::server {

struct ServeOptions {
    std::filesystem::path config_file{"server.toml"};
    std::vector<std::string> listen;  // replaces server.listen when not empty
};

/// Runs until SIGINT or SIGTERM. SIGHUP reloads server.toml and the capsule; a reload
/// that fails is logged and the running state is kept. Returns the process exit code.
int serve(const ServeOptions& options);

}  // namespace kapsel::server
