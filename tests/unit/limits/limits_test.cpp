#include <gtest/gtest.h>

#include "limits/admission.hpp"
#include "limits/rate_limiter.hpp"
#include "limits/client_address.hpp"

#include <arpa/inet.h>

using kapsel::limits::Admission;
using kapsel::limits::RateLimiter;
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

namespace {

using kapsel::limits::ClientAddress;

std::array<unsigned char, 16> v6(const char* text) {
    std::array<unsigned char, 16> out{};
    EXPECT_EQ(inet_pton(AF_INET6, text, out.data()), 1) << text;
    return out;
}

TEST(ClientAddress, IPv4CountsByAddress) {
    const auto a = ClientAddress::ipv4({127, 0, 0, 2}, 51234);
    EXPECT_EQ(kapsel::limits::endpoint_text(a), "127.0.0.2:51234");
    EXPECT_EQ(kapsel::limits::limit_key(a), "127.0.0.2");
}

TEST(ClientAddress, IPv6CountsByItsSlash64) {
    const auto a = ClientAddress::ipv6(v6("2001:db8:1:2:aaaa::1"), 443);
    const auto b = ClientAddress::ipv6(v6("2001:db8:1:2:ffff:ffff:ffff:ffff"), 443);
    const auto c = ClientAddress::ipv6(v6("2001:db8:1:3::1"), 443);
    EXPECT_EQ(kapsel::limits::endpoint_text(a), "[2001:db8:1:2:aaaa::1]:443");
    EXPECT_EQ(kapsel::limits::limit_key(a), "2001:db8:1:2::/64");
    EXPECT_EQ(kapsel::limits::limit_key(a), kapsel::limits::limit_key(b));  // same /64: one client
    EXPECT_NE(kapsel::limits::limit_key(a), kapsel::limits::limit_key(c));  // the next /64: another
    EXPECT_EQ(kapsel::limits::limit_key(ClientAddress::ipv6(v6("::1"), 1)), "::/64");
}

TEST(ClientAddress, MappedIPv4IsIPv4) {
    const auto a = ClientAddress::ipv6(v6("::ffff:192.0.2.7"), 1965);
    EXPECT_FALSE(a.v6);
    EXPECT_EQ(kapsel::limits::endpoint_text(a), "192.0.2.7:1965");
    EXPECT_EQ(kapsel::limits::limit_key(a), "192.0.2.7");
}

TEST(Admission, GroupsClientsOfOneSlash64) {
    // Two addresses of one /64 share the per-address cap.
    Admission admission(100, 2);
    const auto a = kapsel::limits::limit_key(ClientAddress::ipv6(v6("2001:db8::1"), 1));
    const auto b = kapsel::limits::limit_key(ClientAddress::ipv6(v6("2001:db8::2"), 1));
    const auto c = kapsel::limits::limit_key(ClientAddress::ipv6(v6("2001:db8:0:1::2"), 1));
    EXPECT_EQ(admission.admit(a), Admission::Verdict::admitted);
    EXPECT_EQ(admission.admit(b), Admission::Verdict::admitted);
    EXPECT_EQ(admission.admit(a), Admission::Verdict::address_full);
    EXPECT_EQ(admission.admit(c), Admission::Verdict::admitted);
}

}  // namespace
