#pragma once
/// Tells aggregators of changed feeds (feed.notify) from a thread of its own, so serving never
/// waits for an aggregator: each notice gets up to site::notify_tries tries, each within
/// site::notify_timeout, with a backoff between them, and every outcome is logged.

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "gemini/status.hpp"
#include "site/feed_notices.hpp"

namespace kapsel::server {

class FeedNotifier {
public:
    /// How one try is made: net::gemini_request unless a test passes another.
    using Request = std::function<gemini::ResponseHeader(const std::string& url, std::chrono::milliseconds timeout,
                                                         int cancel_fd)>;

    FeedNotifier();
    explicit FeedNotifier(Request request);
    FeedNotifier(const FeedNotifier&) = delete;
    FeedNotifier& operator=(const FeedNotifier&) = delete;
    /// Abandons what is queued or waiting to be tried again and cuts a request in flight.
    ~FeedNotifier();

    /// Queues `notices`; one already queued and not yet started (the same request URL) is not
    /// queued twice, so a burst of reloads sends one request.
    void announce(std::vector<site::FeedNotice> notices);

private:
    void run();
    /// Sends one notice with its retries; false when the notifier is stopping.
    bool send(const site::FeedNotice& notice);

    Request request_;
    std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<site::FeedNotice> queue_;
    bool stopping_ = false;
    int cancel_fd_ = -1;  // an eventfd, readable once stopping
    std::thread thread_;
};

}  // namespace kapsel::server
