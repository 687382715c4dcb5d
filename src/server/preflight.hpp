#pragma once
/// What `serve` would refuse at start because of the configuration, found without binding,
/// creating or changing anything. `kapsel check` runs it, and `serve` runs it before it
/// loads anything, so both refuse the same things with the same FILE:LINE:COL message.

#include "config/config.hpp"

namespace kapsel::server {

/// Throws config::ConfigError at the offending key when: server.user or server.group names
/// no account; started as root without an account to switch to (and no allow_root); the
/// access log's directory is missing or not writable by the account that will write it (a
/// rotated log is reopened as that account), or the log file is not; a host's certificate
/// exists without its key, or the two do not load or match; the ticket key file is malformed; a
/// Titan upload directory is missing, reached through a symbolic link or not writable by that
/// account, or the directory of titan.state_file cannot be written or made.
void preflight(const config::Config& config);

}  // namespace kapsel::server
