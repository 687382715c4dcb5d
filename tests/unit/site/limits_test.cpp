#include <gtest/gtest.h>

#include "site/admission.hpp"
#include "site/rate_limiter.hpp"

using kapsel::site::Admission;
using kapsel::site::RateLimiter;
using namespace std::chrono_literals;

namespace {

TEST(Admission, CapsPerAddressAndInTotal) {
    Admission a(3, 2);
    EXPECT_EQ(a.admit("1.1.1.1"), Admission::Verdict::admitted);
    EXPECT_EQ(a.admit("1.1.1.1"), Admission::Verdict::admitted);
    EXPECT_EQ(a.admit("1.1.1.1"), Admission::Verdict::address_full);
    EXPECT_EQ(a.admit("2.2.2.2"), Admission::Verdict::admitted);
    EXPECT_EQ(a.admit("3.3.3.3"), Admission::Verdict::server_full);
    EXPECT_EQ(a.active(), 3u);
    a.release("1.1.1.1");
    EXPECT_EQ(a.admit("3.3.3.3"), Admission::Verdict::admitted);
    a.release("1.1.1.1");
    a.release("2.2.2.2");
    a.release("3.3.3.3");
    EXPECT_EQ(a.active(), 0u);
    a.release("9.9.9.9");  // never admitted: no effect
    EXPECT_EQ(a.active(), 0u);
}

TEST(RateLimiter, OffWhenRateIsZero) {
    RateLimiter r(0, 5);
    const auto t = std::chrono::steady_clock::time_point{};
    for (int i = 0; i < 1000; ++i) EXPECT_EQ(r.take("a", t), 0u);
    EXPECT_EQ(r.tracked(), 0u);
}

TEST(RateLimiter, BurstThenRefill) {
    RateLimiter r(2, 3);  // 2 per second, bursts of 3
    const auto t0 = std::chrono::steady_clock::time_point{} + 100s;
    EXPECT_EQ(r.take("a", t0), 0u);
    EXPECT_EQ(r.take("a", t0), 0u);
    EXPECT_EQ(r.take("a", t0), 0u);
    EXPECT_EQ(r.take("a", t0), 1u);       // empty: wait 0.5 s, rounded up to 1
    EXPECT_EQ(r.take("b", t0), 0u);       // other addresses have their own bucket
    EXPECT_EQ(r.take("a", t0 + 500ms), 0u);
    EXPECT_EQ(r.take("a", t0 + 500ms), 1u);
    EXPECT_EQ(r.take("a", t0 + 10s), 0u);  // refilled, capped at the burst
    EXPECT_EQ(r.take("a", t0 + 10s), 0u);
    EXPECT_EQ(r.take("a", t0 + 10s), 0u);
    EXPECT_EQ(r.take("a", t0 + 10s), 1u);
}

TEST(RateLimiter, LongWaitsAreReportedInWholeSeconds) {
    RateLimiter r(0.1, 1);  // one request per 10 s
    const auto t0 = std::chrono::steady_clock::time_point{} + 100s;
    EXPECT_EQ(r.take("a", t0), 0u);
    EXPECT_EQ(r.take("a", t0), 10u);
    EXPECT_EQ(r.take("a", t0 + 5s), 5u);
}

TEST(RateLimiter, ForgetsFullBuckets) {
    RateLimiter r(1, 2);
    const auto t0 = std::chrono::steady_clock::time_point{} + 100s;
    r.take("a", t0);
    r.take("b", t0 + 1s);
    r.forget_idle(t0 + 1500ms);  // a refilled (1.5 tokens later: 2), b not yet
    EXPECT_EQ(r.tracked(), 1u);
    r.forget_idle(t0 + 10s);
    EXPECT_EQ(r.tracked(), 0u);
}

}  // namespace
