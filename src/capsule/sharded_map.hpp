#pragma once
/// A hash map from strings that two capsules can share in part: its entries live in a fixed
/// number of shards, each held by pointer, so a copy shares every shard and a change to the copy
/// copies only the shard it touches. A reload that changes one document so makes a new capsule
/// in time that follows the change, not the capsule's size.

#include <array>
#include <bitset>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <utility>

namespace kapsel::capsule {

/// A copy shares the original's shards and copies one before it first changes it. The original
/// must not change after it was copied (capsules are immutable once built: a build changes only
/// the capsule it makes).
template <class V>
class ShardedMap {
public:
    ShardedMap() = default;
    ShardedMap(const ShardedMap& other) : shards_(other.shards_), size_(other.size_) {}
    ShardedMap& operator=(const ShardedMap& other) {
        shards_ = other.shards_;
        owned_.reset();
        size_ = other.size_;
        return *this;
    }

    const V* find(const std::string& key) const {
        const auto& shard = shards_[shard_of(key)];
        if (!shard) return nullptr;
        const auto it = shard->find(key);
        return it == shard->end() ? nullptr : &it->second;
    }
    bool contains(const std::string& key) const { return find(key) != nullptr; }

    void insert_or_assign(std::string key, V value) {
        auto& shard = writable(shard_of(key));
        if (shard.insert_or_assign(std::move(key), std::move(value)).second) ++size_;
    }
    void erase(const std::string& key) {
        const std::size_t i = shard_of(key);
        if (!shards_[i] || !shards_[i]->contains(key)) return;
        writable(i).erase(key);
        --size_;
    }

    /// f(key, value) for every entry, in no particular order.
    template <class F>
    void for_each(F&& f) const {
        for (const auto& shard : shards_)
            if (shard)
                for (const auto& [key, value] : *shard) f(key, value);
    }
    std::size_t size() const { return size_; }

private:
    static constexpr std::size_t shard_count = 256;
    using Shard = std::unordered_map<std::string, V>;

    static std::size_t shard_of(const std::string& key) {
        // The high bits: the shard's own table takes its buckets from the low ones.
        return (std::hash<std::string>{}(key) >> 24) % shard_count;
    }
    Shard& writable(std::size_t i) {
        if (!owned_[i]) {
            shards_[i] = shards_[i] ? std::make_shared<Shard>(*shards_[i]) : std::make_shared<Shard>();
            owned_[i] = true;
        }
        return *shards_[i];
    }

    std::array<std::shared_ptr<Shard>, shard_count> shards_;
    std::bitset<shard_count> owned_;  // the shards this map made itself (and may change)
    std::size_t size_ = 0;
};

}  // namespace kapsel::capsule
