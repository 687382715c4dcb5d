#pragma once
/// Logging set-up: the diagnostic log on stderr and the access log where configured.

#include <memory>

#include "config/config.hpp"

namespace spdlog { class logger; }

namespace kapsel::server {

/// Sets the default (diagnostic) logger's level and pattern.
void configure_diagnostics(const std::string& level);

/// The access logger named by log.access_log ("stderr", "stdout", a file path), or nullptr
/// for "off". Throws std::runtime_error naming the file when it cannot be opened.
std::shared_ptr<spdlog::logger> make_access_log(const config::LogSettings& settings);

}  // namespace kapsel::server
