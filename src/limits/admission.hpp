#pragma once
/// Who may open a connection now: a global cap and a cap per client (limit key). Locks
/// itself: the accept loops of every listener call it.

#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>

namespace kapsel::limits {

class Admission {
public:
    Admission(std::uint32_t max_total, std::uint32_t max_per_address);

    enum class Verdict { admitted, server_full, address_full };

    /// Counts the connection in when both caps allow it. Every admitted connection must be
    /// released exactly once.
    Verdict admit(const std::string& address);
    void release(const std::string& address);

    std::uint32_t active() const;

private:
    const std::uint32_t max_total_;
    const std::uint32_t max_per_address_;
    mutable std::mutex mutex_;
    std::uint32_t total_ = 0;
    std::unordered_map<std::string, std::uint32_t> per_address_;
};

}  // namespace kapsel::limits
