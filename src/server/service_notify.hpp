#pragma once
/// Telling the service manager how the server is doing: systemd's notify protocol through
/// libsystemd's sd_notify (Type=notify in contrib/kapsel.service). Without NOTIFY_SOCKET in the
/// environment (not started by systemd) every call does nothing.

#include <string_view>

namespace kapsel::server {

class ServiceNotify {
public:
    /// "READY=1" with a STATUS line: once listening, and after each reload.
    void ready(std::string_view status) const;
    /// "RELOADING=1" with MONOTONIC_USEC (the reload's start), before a reload; ready() ends it.
    void reloading() const;
    /// "STOPPING=1" at SIGINT/SIGTERM.
    void stopping() const;
    /// A STATUS line alone.
    void status(std::string_view status) const;
};

}  // namespace kapsel::server
