// FIFO of task ids ready to run on one core type, shared by all scheduler
// threads of a launch. Every task enters the queue at most once per launch,
// so a queue sized for the graph never wraps and every slot is written once:
// a producer reserves a slot with fetch_add on tail and publishes the id in
// it; a consumer claims the slot at head with a CAS once it is published. No
// locks, no ABA.
//
// The queue starts with the tasks that are ready from the start: positions
// 0 .. preset_count-1 read the graph's list of them (fixed, in the graph
// image); later positions are the launch's slots, which hold id + 1 so that
// a zero-filled block is an empty queue. Head and tail live in the launch
// block (each on its own cache line; the host sets tail to preset_count).
#pragma once

#include <atomic>
#include <cstdint>

#include "platform_limits.h"

struct alignas(PLATFORM_CACHE_LINE) ReadyQueueEnds {
    alignas(PLATFORM_CACHE_LINE) std::atomic<uint32_t> head;
    alignas(PLATFORM_CACHE_LINE) std::atomic<uint32_t> tail;
};

class ReadyQueue {
public:
    ReadyQueue() = default;
    ReadyQueue(ReadyQueueEnds* ends, const uint32_t* preset, uint32_t preset_count,
               std::atomic<int32_t>* slots)
        : ends_(ends), preset_(preset), preset_count_(preset_count), slots_(slots) {}

    void push(int32_t task_id) {
        uint32_t position = ends_->tail.fetch_add(1, std::memory_order_relaxed);
        // Pairs with the acquire load in pop(): the consumer sees what the
        // producer wrote before publishing (the task's ready time).
        slots_[position - preset_count_].store(task_id + 1, std::memory_order_release);
    }

    // Returns -1 when nothing is published at the head. A slot reserved but not
    // yet published reads as empty: its producer rings the doorbells after
    // publishing, so the consumer looks again.
    int32_t pop() {
        uint32_t head = ends_->head.load(std::memory_order_acquire);
        while (head < ends_->tail.load(std::memory_order_acquire)) {
            int32_t id = at(head, std::memory_order_acquire);
            if (id < 0) return -1;
            if (ends_->head.compare_exchange_weak(head, head + 1, std::memory_order_acq_rel,
                                                  std::memory_order_acquire)) {
                return id;
            }
        }
        return -1;
    }

    // The id at the head right now, or -1: only a hint (another thread may
    // take it first), for prefetching the task a pop is likely to return next.
    int32_t head_hint() const {
        uint32_t head = ends_->head.load(std::memory_order_relaxed);
        if (head >= ends_->tail.load(std::memory_order_relaxed)) return -1;
        return at(head, std::memory_order_relaxed);
    }

    uint32_t size() const {
        uint32_t tail = ends_->tail.load(std::memory_order_acquire);
        uint32_t head = ends_->head.load(std::memory_order_acquire);
        return tail > head ? tail - head : 0;
    }

private:
    // The task at a position, or -1 while its producer has not published it.
    int32_t at(uint32_t position, std::memory_order order) const {
        if (position < preset_count_) return static_cast<int32_t>(preset_[position]);
        return slots_[position - preset_count_].load(order) - 1;
    }

    ReadyQueueEnds* ends_ = nullptr;
    const uint32_t* preset_ = nullptr;
    uint32_t preset_count_ = 0;
    std::atomic<int32_t>* slots_ = nullptr;
};
