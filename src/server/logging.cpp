#include "server/logging.hpp"

#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

namespace kapsel::server {

void configure_diagnostics(const std::string& level) {
    auto logger = spdlog::stderr_logger_mt("kapsel");
    logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e%z [%l] %v");
    logger->set_level(spdlog::level::from_str(level));
    logger->flush_on(spdlog::level::info);
    spdlog::set_default_logger(logger);
}

std::shared_ptr<spdlog::logger> make_access_log(const config::LogSettings& settings) {
    const auto& where = settings.access_log;
    if (where == "off") return nullptr;
    std::shared_ptr<spdlog::logger> logger;
    try {
        if (where == "stderr") logger = std::make_shared<spdlog::logger>("access", std::make_shared<spdlog::sinks::stderr_sink_mt>());
        else if (where == "stdout") logger = std::make_shared<spdlog::logger>("access", std::make_shared<spdlog::sinks::stdout_sink_mt>());
        else logger = std::make_shared<spdlog::logger>("access", std::make_shared<spdlog::sinks::basic_file_sink_mt>(where));
    } catch (const spdlog::spdlog_ex& e) {
        throw std::runtime_error(where + ": cannot open the access log: " + e.what());
    }
    logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e%z %v");
    logger->set_level(spdlog::level::info);
    logger->flush_on(spdlog::level::info);
    return logger;
}

}  // namespace kapsel::server
