#pragma once
/// Logging set-up: the diagnostic log on stderr and the access log where configured.

#include <memory>

#include "config/config.hpp"

namespace spdlog { class logger; }

namespace kapsel::server {

/// Sets the default (diagnostic) logger's level and pattern.
void configure_diagnostics(const std::string& level);

/// The access logger for log.access_log, or nullptr for "off". A file is opened (created
/// with mode 0640 when missing) with the process's current identity, so reopening it after a
/// rotation needs the same rights as opening it at start. Throws std::runtime_error naming
/// the file and the reason when it cannot be opened.
std::shared_ptr<spdlog::logger> make_access_log(const config::AccessLogTarget& target);

}  // namespace kapsel::server
