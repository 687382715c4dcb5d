// feed.notify's pure part: which changes call for which requests, and how replies are judged.

#include "site/feed_notices.hpp"

#include <gtest/gtest.h>

#include <memory>

#include "gemini/status.hpp"

namespace kapsel::site {
namespace {

capsule::Response page(std::string body) {
    capsule::Response r;
    r.bytes = gemini::response_header(gemini::Status::success, "application/atom+xml") + body;
    r.header_size = r.bytes.size() - body.size();
    return r;
}

std::shared_ptr<capsule::Capsule> with_feed(const std::string& host, const std::string& feed,
                                            const std::string& start_page = "start") {
    auto c = std::make_shared<capsule::Capsule>();
    c->add("/", page(start_page));
    c->add_for_host(host, "/atom.xml", std::make_shared<const capsule::Response>(page(feed)));
    return c;
}

Site site_of(std::vector<HostSite> hosts) { return Site(std::move(hosts), std::nullopt); }

const std::vector<std::vector<std::string>> one_aggregator = {{"gemini://agg.example/submit"}};

TEST(FeedNotices, AChangedFeedCallsForOneRequestPerAggregator) {
    const Site before = site_of({HostSite{{"kapsel.example"}, with_feed("kapsel.example", "<feed>1</feed>"), {}, {}}});
    const Site after = site_of({HostSite{{"kapsel.example"}, with_feed("kapsel.example", "<feed>2</feed>"), {}, {}}});
    const auto notices =
        feed_notices(before, after, {{"gemini://agg.example/submit", "gemini://other.example:1966/add"}}, std::nullopt);
    ASSERT_EQ(notices.size(), 2u);
    EXPECT_EQ(notices[0].feed_url, "gemini://kapsel.example/atom.xml");
    EXPECT_EQ(notices[0].request_url, "gemini://agg.example/submit?gemini%3A%2F%2Fkapsel.example%2Fatom.xml");
    EXPECT_EQ(notices[1].submit_url, "gemini://other.example:1966/add");
    EXPECT_EQ(notices[1].request_url, "gemini://other.example:1966/add?gemini%3A%2F%2Fkapsel.example%2Fatom.xml");
}

TEST(FeedNotices, AnUnchangedFeedCallsForNoneWhateverElseChanged) {
    const Site before = site_of({HostSite{{"kapsel.example"}, with_feed("kapsel.example", "<feed/>", "old"), {}, {}}});
    const Site after = site_of({HostSite{{"kapsel.example"}, with_feed("kapsel.example", "<feed/>", "new"), {}, {}}});
    EXPECT_TRUE(feed_notices(before, after, one_aggregator, std::nullopt).empty());
}

TEST(FeedNotices, OnlyHostsWithNotifyAndAChangeAreAnnouncedOnTheirCanonicalName) {
    const Site before = site_of({HostSite{{"a.example"}, with_feed("a.example", "a1"), {}, {}},
                                 HostSite{{"b.example", "alias.example"}, with_feed("b.example", "b1"), {}, {}}});
    const Site after = site_of({HostSite{{"a.example"}, with_feed("a.example", "a2"), {}, {}},
                                HostSite{{"b.example", "alias.example"}, with_feed("b.example", "b2"), {}, {}}});
    auto notices = feed_notices(before, after, {{}, {"gemini://agg.example/submit"}}, 1966);
    ASSERT_EQ(notices.size(), 1u);
    EXPECT_EQ(notices[0].feed_url, "gemini://b.example:1966/atom.xml");
}

TEST(FeedNotices, HostsAreMatchedByNameAndANewHostCountsAsChanged) {
    const Site before = site_of({HostSite{{"a.example"}, with_feed("a.example", "same"), {}, {}}});
    const Site after = site_of({HostSite{{"new.example"}, with_feed("new.example", "fresh"), {}, {}},
                                HostSite{{"a.example"}, with_feed("a.example", "same"), {}, {}}});
    auto notices = feed_notices(before, after, {{"gemini://agg.example/s"}, {"gemini://agg.example/s"}}, std::nullopt);
    ASSERT_EQ(notices.size(), 1u);
    EXPECT_EQ(notices[0].feed_url, "gemini://new.example/atom.xml");
}

TEST(FeedNotices, RepliesAreJudgedByTheirClass) {
    EXPECT_EQ(judge_notify_status(20), NotifyVerdict::accepted);
    EXPECT_EQ(judge_notify_status(30), NotifyVerdict::accepted);
    EXPECT_EQ(judge_notify_status(31), NotifyVerdict::accepted);
    for (const int s : {40, 41, 42, 43, 44}) EXPECT_EQ(judge_notify_status(s), NotifyVerdict::try_again) << s;
    for (const int s : {10, 11, 50, 51, 52, 53, 59, 60, 61, 62})
        EXPECT_EQ(judge_notify_status(s), NotifyVerdict::refused) << s;
    EXPECT_EQ(notify_backoff(2), std::chrono::seconds(2));
    EXPECT_EQ(notify_backoff(3), std::chrono::seconds(4));
    EXPECT_EQ(notify_tries, 3);
    EXPECT_EQ(notify_timeout, std::chrono::seconds(10));
}

}  // namespace
}  // namespace kapsel::site
