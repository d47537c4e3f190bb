// A bounded multi-producer multi-consumer FIFO of task ids (after Vyukov's
// queue): every cell carries a sequence number saying whose turn it is.
// Schedulers and the orchestrator push; schedulers pop. Sized above the
// number of tasks that can be alive at once, so it never holds more values
// than it has cells.
//
// In Vyukov's queue a push can still fail with the queue nearly empty: a
// popper that won the head and was preempted before freeing its cell blocks
// that cell for the pusher one lap later, however few values are queued.
// Here a popper reads the value before it claims the head, so once the head
// has moved past a cell its value is no longer needed, and a pusher that
// finds the cell not freed frees it itself. Freeing is a compare-exchange
// on both sides, so the late popper's free does nothing. push() fails only
// when the queue holds as many values as it has cells.
//
// A cell stores its sequence number minus its index, so zeroed memory is the
// empty queue (cell i at turn i): a fresh launch block needs no setup pass,
// and only the cells a launch uses are ever touched.
#pragma once

#include <atomic>
#include <cstdint>

struct ReadyCell {
    std::atomic<uint64_t> turn;   // sequence number - cell index; 0 in fresh memory
    std::atomic<uint64_t> value;  // read by a popper that may lose the claim: atomic
};

class ReadyQueue {
public:
    ReadyQueue(ReadyCell* cells, uint64_t mask, std::atomic<uint64_t>* head,
               std::atomic<uint64_t>* tail)
        : cells_(cells), mask_(mask), head_(head), tail_(tail) {}

    // False only when the queue holds mask + 1 values.
    bool push(uint64_t value) {
        uint64_t pos = tail_->load(std::memory_order_relaxed);
        for (;;) {
            const uint64_t index = pos & mask_;
            ReadyCell& c = cells_[index];
            // Pairs with the release (compare-)exchange that freed the cell.
            uint64_t seq = c.turn.load(std::memory_order_acquire) + index;
            int64_t dif = static_cast<int64_t>(seq - pos);
            if (dif == 0) {
                if (tail_->compare_exchange_weak(pos, pos + 1, std::memory_order_relaxed)) {
                    c.value.store(value, std::memory_order_relaxed);
                    // Publishes value; pairs with the acquire load in pop().
                    c.turn.store(pos + 1 - index, std::memory_order_release);
                    return true;
                }
            } else if (dif < 0) {
                if (!free_claimed(c, index, pos)) return false;  // full
                pos = tail_->load(std::memory_order_relaxed);
            } else {
                pos = tail_->load(std::memory_order_relaxed);
            }
        }
    }

    bool pop(uint64_t* value) {
        uint64_t pos;
        if (!claim(value, &pos)) return false;  // empty
        release_claim(pos);
        return true;
    }

    uint64_t size() const {
        uint64_t t = tail_->load(std::memory_order_acquire);
        uint64_t h = head_->load(std::memory_order_acquire);
        return t > h ? t - h : 0;
    }

    uint64_t capacity() const { return mask_ + 1; }

    // pop() in its two steps: claim() takes the head and returns the value
    // and the position to hand to release_claim(), which frees the cell.
    // Tests stop between the two, as a preempted popper does (and one that
    // never comes back never calls release_claim).
    bool claim(uint64_t* value, uint64_t* pos_out) {
        uint64_t pos = head_->load(std::memory_order_relaxed);
        for (;;) {
            const uint64_t index = pos & mask_;
            ReadyCell& c = cells_[index];
            // Pairs with the release store in push().
            uint64_t seq = c.turn.load(std::memory_order_acquire) + index;
            int64_t dif = static_cast<int64_t>(seq - (pos + 1));
            if (dif < 0) return false;  // empty
            if (dif == 0) {
                // Read before the claim: once the head moves past this cell a
                // pusher may free and refill it (free_claimed).
                const uint64_t v = c.value.load(std::memory_order_relaxed);
                // Release: the read above happens before anything a pusher
                // does after its acquire load of the head in free_claimed.
                if (head_->compare_exchange_weak(pos, pos + 1, std::memory_order_release,
                                                 std::memory_order_relaxed)) {
                    *value = v;
                    *pos_out = pos;
                    return true;
                }
            } else {
                pos = head_->load(std::memory_order_relaxed);
            }
        }
    }
    // Frees the cell claimed at `pos` for the pusher a lap later, unless that
    // pusher freed it already.
    void release_claim(uint64_t pos) {
        const uint64_t index = pos & mask_;
        uint64_t published = pos + 1 - index;
        // Pairs with the acquire load in push().
        cells_[index].turn.compare_exchange_strong(published, pos + mask_ + 1 - index,
                                                   std::memory_order_release,
                                                   std::memory_order_relaxed);
    }

private:

    // The cell a push at `pos` wants still holds the value of pos - capacity.
    // If a popper has claimed it (the head is past it), it has read the value
    // already: free the cell on its behalf. False when nobody has claimed
    // it: the queue is full.
    bool free_claimed(ReadyCell& c, uint64_t index, uint64_t pos) {
        const uint64_t lap_before = pos - (mask_ + 1);
        // Pairs with the release compare-exchange of the head in pop(): the
        // popper's read of the value happened before.
        if (head_->load(std::memory_order_acquire) <= lap_before) return false;
        uint64_t published = lap_before + 1 - index;
        c.turn.compare_exchange_strong(published, pos - index, std::memory_order_acq_rel,
                                       std::memory_order_acquire);
        return true;  // freed, by this thread or by the popper meanwhile
    }

    ReadyCell* cells_;
    uint64_t mask_;
    std::atomic<uint64_t>* head_;
    std::atomic<uint64_t>* tail_;
};
