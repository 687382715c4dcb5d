#include "server/capsule_watch.hpp"

#include <spdlog/spdlog.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

namespace kapsel::server {
namespace {

constexpr std::uint32_t tree_events =
    IN_CLOSE_WRITE | IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO | IN_DELETE_SELF | IN_MOVE_SELF | IN_ATTRIB;
constexpr std::uint32_t file_events = IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE;

// Editors' temporary files and dot-files are never content: their churn is no change.
bool ignorable(std::string_view name) {
    return name.empty() || name.front() == '.' || name.back() == '~' || name.ends_with(".swp") ||
           name.ends_with(".tmp");
}

}  // namespace

CapsuleWatch::CapsuleWatch(asio::io_context& context, WatchList what, std::chrono::milliseconds quiet,
                           std::chrono::milliseconds settle, std::function<void(capsule::DiskChanges)> on_change)
    : quiet_(quiet), settle_(settle), on_change_(std::move(on_change)), descriptor_(context), settle_timer_(context) {
    rewatch(std::move(what));
}

void CapsuleWatch::rewatch(WatchList what) {
    stop();
    everything_ = true;  // unwatched for a moment, and the trees may be others
    changed_.clear();
    what_ = std::move(what);
    const int fd = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (fd < 0) {
        spdlog::warn("not watching for changes (inotify: {}); reload with SIGHUP", std::strerror(errno));
        return;
    }
    descriptor_.assign(fd);
    for (const auto& file : what_.files) add_file(file);
    for (const auto& tree : what_.trees) add_tree(tree);
    read_events();
}

void CapsuleWatch::add_file(const std::filesystem::path& file) {
    const auto dir = file.has_parent_path() ? file.parent_path() : std::filesystem::path(".");
    const int wd = ::inotify_add_watch(descriptor_.native_handle(), dir.c_str(), file_events | IN_MASK_ADD);
    if (wd < 0) {
        spdlog::warn("cannot watch {} for changes: {}", file.string(), std::strerror(errno));
        return;
    }
    file_watches_[wd].push_back(file.filename().string());  // inotify gives one wd per directory
}

void CapsuleWatch::add_tree(const std::filesystem::path& dir) {
    const int wd = ::inotify_add_watch(descriptor_.native_handle(), dir.c_str(), tree_events | IN_MASK_ADD);
    if (wd < 0) {
        spdlog::warn("cannot watch {} for changes: {}", dir.string(), std::strerror(errno));
        return;
    }
    watches_[wd] = dir;  // the same directory seen again (moved): the same descriptor, its new name
    std::error_code ec;
    for (std::filesystem::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
        const auto name = it->path().filename().string();
        // Every directory the capsule's walk reads (all but dot-directories), editors' names or not.
        if (!name.starts_with('.') && it->is_directory(ec) && !it->is_symlink(ec)) add_tree(it->path());
    }
}

void CapsuleWatch::expect(const std::filesystem::path& file) {
    // A few seconds: the event is read once the control thread is free again, after the
    // upload's state is installed (and its web mirror written).
    expected_.emplace_back(file.lexically_normal(), std::chrono::steady_clock::now() + std::chrono::seconds(5));
}

void CapsuleWatch::stop() {
    asio::error_code ignored;
    settle_timer_.cancel();
    batch_started_.reset();
    writing_.clear();
    descriptor_.close(ignored);
    watches_.clear();
    file_watches_.clear();
}

void CapsuleWatch::read_events() {
    descriptor_.async_read_some(asio::buffer(buffer_), [this](const asio::error_code& ec, std::size_t n) {
        if (ec) return;  // closed by stop() or rewatch()
        handle(buffer_.data(), n);
        read_events();
    });
}

void CapsuleWatch::handle(const char* data, std::size_t size) {
    const auto now = std::chrono::steady_clock::now();
    std::erase_if(expected_, [&](const auto& e) { return e.second <= now; });
    bool changed = false;
    for (std::size_t offset = 0; offset + sizeof(inotify_event) <= size;) {
        inotify_event event;
        std::memcpy(&event, data + offset, sizeof event);
        const std::string_view name = event.len ? std::string_view(data + offset + sizeof event) : std::string_view();
        offset += sizeof event + event.len;
        if (event.mask & IN_Q_OVERFLOW) {
            changed = true;  // events were lost: anything may have changed
            everything_ = true;
            continue;
        }
        // One directory can hold a watched file and be a capsule directory at once.
        if (const auto f = file_watches_.find(event.wd); f != file_watches_.end())
            changed |= std::find(f->second.begin(), f->second.end(), name) != f->second.end();
        if (const auto tree = watches_.find(event.wd); tree != watches_.end() && (event.mask & IN_IGNORED)) {
            watches_.erase(tree);  // its directory is gone
        } else if (tree != watches_.end()) {
            const auto file = (tree->second / std::string(name)).lexically_normal();
            // What changed, for the reload to read again. A directory moved away or removed
            // under its own name leaves its watches naming it wrongly: read everything.
            if (event.mask & (IN_DELETE_SELF | IN_MOVE_SELF)) everything_ = true;
            else if (!name.empty()) changed_.push_back(file);
            else if (event.mask & IN_ATTRIB) changed_.push_back(tree->second);  // the directory's own mode
            if (changed_.size() > 65536) {  // so many that reading all is cheaper (and memory stays bounded)
                everything_ = true;
                changed_.clear();
            }
            // A directory made (or moved in) is watched at once, so nothing written in it
            // after this goes unseen; what was already in it, the reload's walk of it finds.
            if ((event.mask & IN_ISDIR) && (event.mask & (IN_CREATE | IN_MOVED_TO)) && !name.starts_with('.'))
                add_tree(file);
            const bool ours = !name.empty() && std::any_of(expected_.begin(), expected_.end(),
                                                           [&](const auto& e) { return e.first == file && e.second > now; });
            if ((!ignorable(name) && !ours) || (event.mask & (IN_DELETE_SELF | IN_MOVE_SELF))) {
                changed = true;
                // A new file is being written until it is closed: the reload waits for that.
                if ((event.mask & IN_CREATE) && !(event.mask & IN_ISDIR)) writing_.insert(file.string());
                if (event.mask & (IN_CLOSE_WRITE | IN_MOVED_FROM | IN_DELETE)) writing_.erase(file.string());
            }
        }
    }
    if (!changed) return;
    if (!batch_started_) batch_started_ = now;
    settle_timer_.expires_at(reload_time(now));
    settle_timer_.async_wait([this](const asio::error_code& ec) {
        if (ec) return;
        batch_started_.reset();
        writing_.clear();  // closed since, or held open past the wait: read as it is
        on_change_(take_changes());
    });
}

void CapsuleWatch::forget_pending() {
    settle_timer_.cancel();
    batch_started_.reset();
    writing_.clear();
    take_changes();
}

void CapsuleWatch::give_back(const capsule::DiskChanges& changes) {
    if (changes.everything) everything_ = true;
    changed_.insert(changed_.end(), changes.paths.begin(), changes.paths.end());
}

capsule::DiskChanges CapsuleWatch::take_changes() {
    capsule::DiskChanges changes;
    changes.everything = everything_;
    if (!everything_) changes.paths = std::move(changed_);
    everything_ = false;
    changed_.clear();
    return changes;
}

std::chrono::steady_clock::time_point CapsuleWatch::reload_time(std::chrono::steady_clock::time_point now) const {
    // Finished changes (a file closed after writing, renamed into place, removed): once the
    // burst they belong to has been quiet for `quiet`. Files still open for writing: when they
    // close, or after 2 s. Never later than `settle` after the burst began otherwise, so a
    // stream of changes is served in batches.
    if (!writing_.empty()) return *batch_started_ + std::max<std::chrono::steady_clock::duration>(settle_, std::chrono::seconds(2));
    return std::min(now + quiet_, *batch_started_ + settle_);
}

}  // namespace kapsel::server
