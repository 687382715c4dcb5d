#include "site/feed_notices.hpp"

#include "gemini/uri.hpp"

namespace kapsel::site {
namespace {

const HostSite* host_named(const Site& site, const std::string& name) {
    for (const auto& host : site.hosts())
        if (host.names.front() == name) return &host;
    return nullptr;
}

std::string_view feed_body(const HostSite& host) {
    const capsule::Response* feed = host.capsule->find(host.names.front(), "/atom.xml");
    return feed ? feed->body() : std::string_view();
}

}  // namespace

std::string submission_url(const std::string& submit_url, const std::string& feed_url) {
    return submit_url + "?" + gemini::encode_component(feed_url);
}

std::vector<FeedNotice> feed_notices(const Site& before, const Site& after,
                                     const std::vector<std::vector<std::string>>& notify,
                                     std::optional<std::uint16_t> public_port) {
    std::vector<FeedNotice> notices;
    for (std::size_t i = 0; i < after.hosts().size() && i < notify.size(); ++i) {
        if (notify[i].empty()) continue;
        const HostSite& host = after.hosts()[i];
        const HostSite* old = host_named(before, host.names.front());
        if (old && feed_body(*old) == feed_body(host)) continue;
        const std::string feed_url =
            gemini::absolute_url(gemini::base_url(host.names.front(), public_port), "/atom.xml");
        for (const auto& submit : notify[i]) notices.push_back({submit, feed_url, submission_url(submit, feed_url)});
    }
    return notices;
}

std::chrono::seconds notify_backoff(int next) { return std::chrono::seconds(next <= 2 ? 2 : 4); }

NotifyVerdict judge_notify_status(int status) {
    if (status >= 20 && status < 40) return NotifyVerdict::accepted;
    if (status >= 40 && status < 50) return NotifyVerdict::try_again;
    return NotifyVerdict::refused;
}

}  // namespace kapsel::site
