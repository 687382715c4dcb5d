#pragma once
/// Watches server.toml and the capsule tree (inotify) and asks for a reload when they
/// change, so a new article is served without a signal. Asio header: src/server only.

#include <asio/io_context.hpp>
#include <asio/posix/stream_descriptor.hpp>
#include <asio/steady_timer.hpp>

#include <array>
#include <filesystem>
#include <functional>
#include <string>
#include <unordered_map>

namespace kapsel::server {

class CapsuleWatch {
public:
    /// Starts watching `config_file` and every directory below `capsule_root`. Changes are
    /// gathered for `settle` (an editor saving several files is one change), then
    /// `on_change` runs on `context`'s thread.
    CapsuleWatch(asio::io_context& context, std::filesystem::path config_file, std::filesystem::path capsule_root,
                 std::chrono::milliseconds settle, std::function<void()> on_change);

    /// Watches the tree again (after a reload: directories come and go, the root may move).
    void rewatch(const std::filesystem::path& capsule_root);
    void stop();
    bool active() const { return descriptor_.is_open(); }

private:
    void add_tree(const std::filesystem::path& dir);
    void read_events();
    void handle(const char* data, std::size_t size);

    std::filesystem::path config_file_;
    std::chrono::milliseconds settle_;
    std::function<void()> on_change_;
    asio::posix::stream_descriptor descriptor_;
    asio::steady_timer settle_timer_;
    std::unordered_map<int, std::filesystem::path> watches_;  // watch descriptor → directory
    int config_watch_ = -1;
    alignas(8) std::array<char, 16384> buffer_{};
};

}  // namespace kapsel::server
