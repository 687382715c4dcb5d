#include "server/feed_notifier.hpp"

#include <spdlog/spdlog.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <stdexcept>

#include "net/gemini_client.hpp"

namespace kapsel::server {

FeedNotifier::FeedNotifier() : FeedNotifier(net::gemini_request) {}

FeedNotifier::FeedNotifier(Request request)
    : request_(std::move(request)), cancel_fd_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {
    thread_ = std::thread([this] { run(); });
}

FeedNotifier::~FeedNotifier() {
    {
        const std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    if (cancel_fd_ >= 0) {
        const std::uint64_t one = 1;
        [[maybe_unused]] const auto written = ::write(cancel_fd_, &one, sizeof one);
    }
    thread_.join();
    if (cancel_fd_ >= 0) ::close(cancel_fd_);
}

void FeedNotifier::announce(std::vector<site::FeedNotice> notices) {
    if (notices.empty()) return;
    {
        const std::lock_guard lock(mutex_);
        for (auto& n : notices) {
            const bool queued = std::any_of(queue_.begin(), queue_.end(),
                                            [&](const site::FeedNotice& q) { return q.request_url == n.request_url; });
            if (queued)
                spdlog::info("notify {}: already queued for {}", n.submit_url, n.feed_url);
            else
                queue_.push_back(std::move(n));
        }
    }
    wake_.notify_all();
}

void FeedNotifier::run() {
    std::unique_lock lock(mutex_);
    for (;;) {
        wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
        if (stopping_) return;
        const site::FeedNotice notice = std::move(queue_.front());
        queue_.pop_front();
        lock.unlock();
        const bool go_on = send(notice);
        lock.lock();
        if (!go_on) return;
    }
}

bool FeedNotifier::send(const site::FeedNotice& notice) {
    for (int attempt = 1; attempt <= site::notify_tries; ++attempt) {
        std::string failure;
        try {
            const gemini::ResponseHeader reply = request_(notice.request_url, site::notify_timeout, cancel_fd_);
            switch (site::judge_notify_status(reply.status)) {
                case site::NotifyVerdict::accepted:
                    spdlog::info("notify {}: told of {}: {} {}", notice.submit_url, notice.feed_url, reply.status,
                                 reply.meta);
                    return true;
                case site::NotifyVerdict::refused:
                    spdlog::error("notify {}: refused {} ({} {}); not tried again", notice.submit_url, notice.feed_url,
                                  reply.status, reply.meta);
                    return true;
                case site::NotifyVerdict::try_again: failure = std::to_string(reply.status) + " " + reply.meta; break;
            }
        } catch (const std::exception& e) {
            failure = e.what();
        }
        {
            std::unique_lock lock(mutex_);
            if (stopping_) return false;
            if (attempt == site::notify_tries) {
                spdlog::error("notify {}: gave up telling of {} after {} tries: {}", notice.submit_url,
                              notice.feed_url, site::notify_tries, failure);
                return true;
            }
            const auto wait = site::notify_backoff(attempt + 1);
            spdlog::warn("notify {}: try {} of {} failed ({}); again in {} s", notice.submit_url, attempt,
                         site::notify_tries, failure, wait.count());
            if (wake_.wait_for(lock, wait, [this] { return stopping_; })) return false;
        }
    }
    return true;
}

}  // namespace kapsel::server
