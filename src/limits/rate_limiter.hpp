#pragma once
/// Token buckets per client address: `rate` requests a second, bursts up to `burst`.
/// The caller passes the time, so it is testable without a clock; it locks itself, so every
/// worker thread may call it.

#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>

namespace kapsel::limits {

class RateLimiter {
public:
    using time_point = std::chrono::steady_clock::time_point;

    RateLimiter(double rate_per_second, double burst);

    bool enabled() const { return rate_ > 0; }

    /// Takes one token for `address` at time `now`. Returns 0 when the request may go on,
    /// otherwise the whole seconds (≥ 1) to wait until a token is available.
    unsigned take(const std::string& address, time_point now);

    /// Forgets buckets that have refilled completely, so memory stays bounded.
    void forget_idle(time_point now);

    std::size_t tracked() const;

private:
    struct Bucket {
        double tokens;
        time_point last;
    };
    const double rate_;
    const double burst_;
    mutable std::mutex mutex_;
    std::unordered_map<std::string, Bucket> buckets_;
};

}  // namespace kapsel::limits
