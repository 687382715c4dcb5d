#include "limits/rate_limiter.hpp"

#include <algorithm>
#include <cmath>

namespace kapsel::limits {

RateLimiter::RateLimiter(double rate_per_second, double burst)
    : rate_(rate_per_second), burst_(std::max(1.0, burst)) {}

unsigned RateLimiter::take(const std::string& address, time_point now) {
    if (!enabled()) return 0;
    std::lock_guard lock(mutex_);
    auto [it, inserted] = buckets_.try_emplace(address, Bucket{burst_, now});
    Bucket& b = it->second;
    if (!inserted) {
        const double elapsed = std::chrono::duration<double>(now - b.last).count();
        b.tokens = std::min(burst_, b.tokens + std::max(0.0, elapsed) * rate_);
        b.last = now;
    }
    if (b.tokens >= 1.0) {
        b.tokens -= 1.0;
        return 0;
    }
    const double wait = (1.0 - b.tokens) / rate_;
    return static_cast<unsigned>(std::max(1.0, std::ceil(wait)));
}

void RateLimiter::forget_idle(time_point now) {
    std::lock_guard lock(mutex_);
    std::erase_if(buckets_, [&](const auto& entry) {
        const double elapsed = std::chrono::duration<double>(now - entry.second.last).count();
        return entry.second.tokens + elapsed * rate_ >= burst_;
    });
}

std::size_t RateLimiter::tracked() const {
    std::lock_guard lock(mutex_);
    return buckets_.size();
}

}  // namespace kapsel::limits
