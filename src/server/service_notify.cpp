#include "server/service_notify.hpp"

#include <systemd/sd-daemon.h>

#include <ctime>
#include <string>

namespace kapsel::server {
namespace {

void send(const std::string& message) {
    // 0: keep NOTIFY_SOCKET in the environment, every later message needs it. Failures (no
    // manager listening) change nothing about serving.
    (void)sd_notify(0, message.c_str());
}

}  // namespace

void ServiceNotify::ready(std::string_view status) const {
    send("READY=1\nSTATUS=" + std::string(status));
}

void ServiceNotify::reloading() const {
    timespec now{};
    ::clock_gettime(CLOCK_MONOTONIC, &now);
    const long long usec = static_cast<long long>(now.tv_sec) * 1'000'000 + now.tv_nsec / 1'000;
    send("RELOADING=1\nMONOTONIC_USEC=" + std::to_string(usec));
}

void ServiceNotify::stopping() const { send("STOPPING=1"); }

void ServiceNotify::status(std::string_view status) const { send("STATUS=" + std::string(status)); }

}  // namespace kapsel::server
