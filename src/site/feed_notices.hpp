#pragma once
/// Telling aggregators of a changed feed (feed.notify): which requests a load calls for, and
/// how each one's outcome is judged. Pure: the requests are sent by server/feed_notifier.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "site/site.hpp"

namespace kapsel::site {

/// One request to send: `submit_url` (as configured) told of `feed_url`.
struct FeedNotice {
    std::string submit_url;   // "gemini://aggregator.example/submit"
    std::string feed_url;     // "gemini://kapsel.example/atom.xml"
    std::string request_url;  // submit_url "?" feed_url percent-encoded, as Antenna expects
};

/// `submit_url` "?" `feed_url` with every byte but the unreserved ones percent-encoded.
std::string submission_url(const std::string& submit_url, const std::string& feed_url);

/// The notices a change from `before` to `after` calls for: for every host of `after` whose
/// feed (its /atom.xml, on its first name, the canonical one) has other bytes than the same
/// host's feed in `before` (matched by that name; a host new in `after` counts as changed),
/// one per URL in `notify[i]`, the i-th host's feed.notify. A reload that changed nothing in
/// a feed calls for none; the feed's document changes exactly when its entries (or the
/// feed's own title, subtitle, author) do, since it holds no clock.
std::vector<FeedNotice> feed_notices(const Site& before, const Site& after,
                                     const std::vector<std::vector<std::string>>& notify,
                                     std::optional<std::uint16_t> public_port);

/// How many tries a notice gets, and how long each may take (connect to response header).
inline constexpr int notify_tries = 3;
inline constexpr std::chrono::seconds notify_timeout{10};

/// The wait before try `next` (2 or 3): 2 s, then 4 s.
std::chrono::seconds notify_backoff(int next);

/// What a response status means for a notice.
enum class NotifyVerdict {
    accepted,   // 2x, or 3x (the aggregator sends the client on to a page about it)
    try_again,  // 4x: temporary (as are a timeout and a failed connection)
    refused,    // 1x (it asked for input: the submit URL is wrong), 5x, 6x: trying again will not help
};
NotifyVerdict judge_notify_status(int status);

}  // namespace kapsel::site
