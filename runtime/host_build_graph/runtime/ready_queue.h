// FIFO of task ids ready to run on one core type, shared by all scheduler
// threads. Every task enters the queue at most once per launch, so a queue
// sized for the graph never wraps and every slot is written once: a
// producer reserves a slot with fetch_add on tail and publishes the id in it;
// a consumer claims the slot at head with a CAS once it is published. No
// locks, no ABA.
#pragma once

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <new>

#include "platform_limits.h"

class ReadyQueue {
public:
    ReadyQueue() = default;
    ReadyQueue(const ReadyQueue&) = delete;
    ReadyQueue& operator=(const ReadyQueue&) = delete;
    ~ReadyQueue() { std::free(slots_); }

    // Empties the queue and makes room for `capacity` pushes (host side,
    // before a launch). Returns false when memory runs out.
    bool reset(int capacity) {
        if (capacity > capacity_) {
            void* grown = std::malloc(static_cast<size_t>(capacity) * sizeof(std::atomic<int32_t>));
            if (grown == nullptr) return false;
            std::free(slots_);
            slots_ = static_cast<std::atomic<int32_t>*>(grown);
            for (int i = 0; i < capacity; ++i) new (&slots_[i]) std::atomic<int32_t>(kEmpty);
            capacity_ = capacity;
        }
        for (int i = 0; i < capacity; ++i) slots_[i].store(kEmpty, std::memory_order_relaxed);
        head_.store(0, std::memory_order_relaxed);
        tail_.store(0, std::memory_order_release);
        return true;
    }

    void push(int32_t task_id) {
        uint32_t slot = tail_.fetch_add(1, std::memory_order_relaxed);
        slots_[slot].store(task_id, std::memory_order_release);
    }

    // Returns -1 when nothing is published at the head. A slot reserved but not
    // yet published reads as empty: its producer rings the doorbells after
    // publishing, so the consumer looks again.
    int32_t pop() {
        uint32_t head = head_.load(std::memory_order_acquire);
        while (head < tail_.load(std::memory_order_acquire)) {
            int32_t id = slots_[head].load(std::memory_order_acquire);
            if (id == kEmpty) return -1;
            if (head_.compare_exchange_weak(head, head + 1, std::memory_order_acq_rel,
                                            std::memory_order_acquire)) {
                return id;
            }
        }
        return -1;
    }

    // The id at the head right now, or -1: only a hint (another thread may
    // take it first), for prefetching the task a pop is likely to return next.
    int32_t head_hint() const {
        uint32_t head = head_.load(std::memory_order_relaxed);
        if (head >= tail_.load(std::memory_order_relaxed)) return -1;
        return slots_[head].load(std::memory_order_relaxed);
    }

    uint32_t size() const {
        uint32_t tail = tail_.load(std::memory_order_acquire);
        uint32_t head = head_.load(std::memory_order_acquire);
        return tail > head ? tail - head : 0;
    }

    // Device images: the slot array the queue uses, and re-pointing a staged
    // copy of the queue at the slots' device address.
    std::atomic<int32_t>* slots() const { return slots_; }
    int capacity() const { return capacity_; }
    void point_at(std::atomic<int32_t>* slots) { slots_ = slots; }

    // Snapshot for diagnostics only.
    int32_t peek(uint32_t offset) const {
        uint32_t head = head_.load(std::memory_order_acquire);
        return slots_[head + offset].load(std::memory_order_acquire);
    }

private:
    static constexpr int32_t kEmpty = -1;
    alignas(PLATFORM_CACHE_LINE) std::atomic<uint32_t> head_{0};
    alignas(PLATFORM_CACHE_LINE) std::atomic<uint32_t> tail_{0};
    alignas(PLATFORM_CACHE_LINE) std::atomic<int32_t>* slots_ = nullptr;
    int capacity_ = 0;
};
