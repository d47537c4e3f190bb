// The sessions behind the Runtime handles of one runtime, keyed by handle
// address. Lookups hand out shared references, so a call on another thread
// (progress, records) never sees a session freed under it. A handle claims
// the caller's `handle_bytes` at its address: a new handle overlapping a
// live one is refused (misaligned or overlapping handles).
#pragma once

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <map>
#include <memory>
#include <mutex>

template <typename Session>
class SessionRegistry {
public:
    explicit SessionRegistry(size_t handle_bytes) : handle_bytes_(handle_bytes) {}

    std::shared_ptr<Session> find(const void* handle) const {
        std::lock_guard<std::mutex> lock(mutex_);
        auto it = by_handle_.find(handle);
        return it == by_handle_.end() ? nullptr : it->second;
    }

    // The registered session that is `session`, held, or null: for calls
    // that may come after the session's handle was finalized.
    std::shared_ptr<Session> hold(const Session* session) const {
        std::lock_guard<std::mutex> lock(mutex_);
        for (const auto& entry : by_handle_) {
            if (entry.second.get() == session) return entry.second;
        }
        return nullptr;
    }

    // Registers `session` under `handle`: null, or the live handle whose
    // bytes it overlaps (itself, when already registered).
    const void* claim(const void* handle, std::shared_ptr<Session> session) {
        std::lock_guard<std::mutex> lock(mutex_);
        const auto* at = static_cast<const uint8_t*>(handle);
        auto next = by_handle_.lower_bound(handle);
        if (next != by_handle_.end() &&
            static_cast<const uint8_t*>(next->first) < at + handle_bytes_) {
            return next->first;
        }
        if (next != by_handle_.begin()) {
            auto prev = std::prev(next);
            if (static_cast<const uint8_t*>(prev->first) + handle_bytes_ > at) return prev->first;
        }
        by_handle_.emplace(handle, std::move(session));
        return nullptr;
    }

    std::shared_ptr<Session> release(const void* handle) {
        std::lock_guard<std::mutex> lock(mutex_);
        auto it = by_handle_.find(handle);
        if (it == by_handle_.end()) return nullptr;
        auto session = std::move(it->second);
        by_handle_.erase(it);
        return session;
    }

private:
    const size_t handle_bytes_;
    mutable std::mutex mutex_;
    std::map<const void*, std::shared_ptr<Session>> by_handle_;
};
