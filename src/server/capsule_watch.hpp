#pragma once
/// Watches server.toml, every capsule tree and every certificate and key (inotify) and asks
/// for a reload when they change, so a new article or a renewed certificate is served without
/// a signal. Asio header: src/server only.

#include <asio/io_context.hpp>
#include <asio/posix/stream_descriptor.hpp>
#include <asio/steady_timer.hpp>

#include <array>
#include <chrono>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "capsule/capsule.hpp"

namespace kapsel::server {

/// What to watch: whole trees (the capsules), and single files (server.toml, certificates,
/// keys), each watched through its directory so a file replaced by rename is seen.
struct WatchList {
    std::vector<std::filesystem::path> trees;
    std::vector<std::filesystem::path> files;
    friend bool operator==(const WatchList&, const WatchList&) = default;
};

class CapsuleWatch {
public:
    /// Starts watching `what`. `on_change` runs on `context`'s thread once a burst of finished
    /// changes (a file closed after writing, renamed into place, removed) has been quiet for
    /// `quiet`, and at most `settle` after the burst began (an editor saving several files, a
    /// `git pull`: one reload). While a file created in the burst is still open for writing, the
    /// reload waits for it to close (at most 2 s), so a half-written file is not read.
    /// `on_change` is given what changed in the trees since the last call: every path an event
    /// named (the server's own uploads and editors' temporary files too, which ask for no
    /// reload), or "everything" when that is unknown (the first call, lost events, a tree's
    /// directory moved or removed). A directory made in a tree is watched as soon as it is seen.
    CapsuleWatch(asio::io_context& context, WatchList what, std::chrono::milliseconds quiet,
                 std::chrono::milliseconds settle, std::function<void(capsule::DiskChanges)> on_change);

    /// Watches anew (the trees or files to watch changed). What changed meanwhile is unknown:
    /// the next call of on_change says "everything".
    void rewatch(WatchList what);
    /// Changes on_change was given that a reload then failed to take in: the next call gives
    /// them again, with whatever changed since.
    void give_back(const capsule::DiskChanges& changes);
    /// A reload that reads everything begins (SIGHUP): what was seen so far is in it, so the
    /// reload waiting for it is dropped. Events not read yet still ask for the next one.
    void forget_pending();
    /// The server itself is about to change `file` (an upload, whose new state it installs
    /// itself): changes to it in the next few seconds ask for no reload.
    void expect(const std::filesystem::path& file);
    void stop();
    bool active() const { return descriptor_.is_open(); }

private:
    void add_tree(const std::filesystem::path& dir);
    void add_file(const std::filesystem::path& file);
    void read_events();
    void handle(const char* data, std::size_t size);
    capsule::DiskChanges take_changes();
    std::chrono::steady_clock::time_point reload_time(std::chrono::steady_clock::time_point now) const;

    WatchList what_;
    std::chrono::milliseconds quiet_;
    std::chrono::milliseconds settle_;
    std::optional<std::chrono::steady_clock::time_point> batch_started_;  // the pending reload's first change
    std::unordered_set<std::string> writing_;  // files created in it and not closed yet
    bool everything_ = true;                      // since the last on_change: unknown
    std::vector<std::filesystem::path> changed_;  // since the last on_change: what events named
    std::function<void(capsule::DiskChanges)> on_change_;
    asio::posix::stream_descriptor descriptor_;
    asio::steady_timer settle_timer_;
    std::unordered_map<int, std::filesystem::path> watches_;  // watch descriptor → tree directory
    std::unordered_map<int, std::vector<std::string>> file_watches_;  // directory watch → file names in it
    std::vector<std::pair<std::filesystem::path, std::chrono::steady_clock::time_point>> expected_;  // file, until
    alignas(8) std::array<char, 16384> buffer_{};
};

}  // namespace kapsel::server
