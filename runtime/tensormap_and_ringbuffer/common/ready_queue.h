// A bounded multi-producer multi-consumer FIFO of task ids (Vyukov's queue):
// every cell carries a sequence number saying whose turn it is, so a cell
// is reused only after its consumer has finished with it. Schedulers and
// the orchestrator push; schedulers pop. Sized above the number of tasks
// that can be alive at once, so a push never finds it full.
//
// A cell stores its sequence number minus its index, so zeroed memory is the
// empty queue (cell i at turn i): a fresh launch block needs no setup pass,
// and only the cells a launch uses are ever touched.
#pragma once

#include <atomic>
#include <cstdint>

struct ReadyCell {
    std::atomic<uint64_t> turn;  // sequence number - cell index; 0 in fresh memory
    uint64_t value;
};

class ReadyQueue {
public:
    ReadyQueue(ReadyCell* cells, uint64_t mask, std::atomic<uint64_t>* head,
               std::atomic<uint64_t>* tail)
        : cells_(cells), mask_(mask), head_(head), tail_(tail) {}

    bool push(uint64_t value) {
        uint64_t pos = tail_->load(std::memory_order_relaxed);
        for (;;) {
            const uint64_t index = pos & mask_;
            ReadyCell& c = cells_[index];
            // Pairs with the release store of the consumer that freed the cell.
            uint64_t seq = c.turn.load(std::memory_order_acquire) + index;
            int64_t dif = static_cast<int64_t>(seq - pos);
            if (dif == 0) {
                if (tail_->compare_exchange_weak(pos, pos + 1, std::memory_order_relaxed)) {
                    c.value = value;
                    // Publishes value; pairs with the acquire load in pop().
                    c.turn.store(pos + 1 - index, std::memory_order_release);
                    return true;
                }
            } else if (dif < 0) {
                return false;  // full
            } else {
                pos = tail_->load(std::memory_order_relaxed);
            }
        }
    }

    bool pop(uint64_t* value) {
        uint64_t pos = head_->load(std::memory_order_relaxed);
        for (;;) {
            const uint64_t index = pos & mask_;
            ReadyCell& c = cells_[index];
            // Pairs with the release store in push().
            uint64_t seq = c.turn.load(std::memory_order_acquire) + index;
            int64_t dif = static_cast<int64_t>(seq - (pos + 1));
            if (dif == 0) {
                if (head_->compare_exchange_weak(pos, pos + 1, std::memory_order_relaxed)) {
                    *value = c.value;
                    // Frees the cell for the producer a lap later; pairs with
                    // the acquire load in push().
                    c.turn.store(pos + mask_ + 1 - index, std::memory_order_release);
                    return true;
                }
            } else if (dif < 0) {
                return false;  // empty
            } else {
                pos = head_->load(std::memory_order_relaxed);
            }
        }
    }

    uint64_t size() const {
        uint64_t t = tail_->load(std::memory_order_acquire);
        uint64_t h = head_->load(std::memory_order_acquire);
        return t > h ? t - h : 0;
    }

private:
    ReadyCell* cells_;
    uint64_t mask_;
    std::atomic<uint64_t>* head_;
    std::atomic<uint64_t>* tail_;
};
