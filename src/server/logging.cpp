#include "server/logging.hpp"

#include <fcntl.h>
#include <spdlog/sinks/base_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <mutex>
#include <stdexcept>

namespace kapsel::server {
namespace {

/// An access-log file opened O_APPEND: every line is one write(2), so lines from several
/// processes (or a logrotate `copytruncate`) never interleave mid-line. Closed with the sink:
/// when the last worker lets go of a logger after a reload, the rotated file is closed too.
class AppendFileSink final : public spdlog::sinks::base_sink<std::mutex> {
public:
    explicit AppendFileSink(const std::filesystem::path& file) {
        fd_ = ::open(file.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
        // errno here, read at once: it is the reason, not whatever a later call left behind.
        if (fd_ < 0) throw std::runtime_error(file.string() + ": cannot open the access log: " + std::strerror(errno));
    }
    ~AppendFileSink() override { ::close(fd_); }

protected:
    void sink_it_(const spdlog::details::log_msg& msg) override {
        spdlog::memory_buf_t line;
        formatter_->format(msg, line);
        const char* p = line.data();
        std::size_t left = line.size();
        while (left > 0) {
            const ssize_t n = ::write(fd_, p, left);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) return;  // disk full and the like: the line is lost, serving goes on
            p += n;
            left -= static_cast<std::size_t>(n);
        }
    }
    void flush_() override {}  // every line is written at once

private:
    int fd_ = -1;
};

}  // namespace

void configure_diagnostics(const std::string& level) {
    auto logger = spdlog::stderr_logger_mt("kapsel");
    logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e%z [%l] %v");
    logger->set_level(spdlog::level::from_str(level));
    logger->flush_on(spdlog::level::info);
    spdlog::set_default_logger(logger);
}

std::shared_ptr<spdlog::logger> make_access_log(const config::AccessLogTarget& target) {
    using Kind = config::AccessLogTarget::Kind;
    spdlog::sink_ptr sink;
    switch (target.kind) {
        case Kind::off: return nullptr;
        case Kind::standard_error: sink = std::make_shared<spdlog::sinks::stderr_sink_mt>(); break;
        case Kind::standard_output: sink = std::make_shared<spdlog::sinks::stdout_sink_mt>(); break;
        case Kind::file: sink = std::make_shared<AppendFileSink>(target.file); break;
    }
    auto logger = std::make_shared<spdlog::logger>("access", std::move(sink));
    logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e%z %v");
    logger->set_level(spdlog::level::info);
    logger->flush_on(spdlog::level::info);
    return logger;
}

}  // namespace kapsel::server
