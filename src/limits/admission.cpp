#include "limits/admission.hpp"

namespace kapsel::limits {

Admission::Admission(std::uint32_t max_total, std::uint32_t max_per_address)
    : max_total_(max_total), max_per_address_(max_per_address) {}

Admission::Verdict Admission::admit(const std::string& address) {
    std::lock_guard lock(mutex_);
    if (total_ >= max_total_) return Verdict::server_full;
    auto& count = per_address_[address];
    if (count >= max_per_address_) {
        if (count == 0) per_address_.erase(address);
        return Verdict::address_full;
    }
    ++count;
    ++total_;
    return Verdict::admitted;
}

void Admission::release(const std::string& address) {
    std::lock_guard lock(mutex_);
    const auto it = per_address_.find(address);
    if (it == per_address_.end()) return;
    if (--it->second == 0) per_address_.erase(it);
    --total_;
}

std::uint32_t Admission::active() const {
    std::lock_guard lock(mutex_);
    return total_;
}

}  // namespace kapsel::limits
