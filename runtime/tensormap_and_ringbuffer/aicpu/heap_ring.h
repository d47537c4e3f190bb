// Where a task's bytes go in a ring's heap: one piece per task, handed out
// in order, never straddling the heap's end, and the next lap started early
// when a run's live data is small. Pure arithmetic over "ring coordinates"
// (bytes handed out since the launch began, laps included); the caller says
// where the oldest live piece starts (the tail) and waits for room itself.
// Tested on its own in tests/cpp/tensormap_structures_test.cpp.
#pragma once

#include <cstdint>

// The part of a ring's heap a run with little live data keeps reusing.
constexpr uint64_t kHeapWarmBytes = 4ull << 20;

// The smallest reclaim point l in [from, to] (the ring's last_alive) at which
// fits(tail(l)) holds; tail is nondecreasing in l. `to` if none does.
template <typename Tail, typename Fits>
inline uint64_t first_fit(uint64_t from, uint64_t to, Tail tail, Fits fits) {
    while (from < to) {
        uint64_t mid = from + (to - from) / 2;
        if (fits(tail(mid)))
            to = mid;
        else
            from = mid + 1;
    }
    return to;
}

class HeapRing {
public:
    // `warm` is the early restart's unit (kHeapWarmBytes on the device;
    // tests use smaller heaps).
    explicit HeapRing(uint64_t size = 0, uint64_t warm = kHeapWarmBytes)
        : size_(size), warm_(warm) {}

    uint64_t size() const { return size_; }
    uint64_t head() const { return head_; }  // ring coordinates of the next piece
    uint64_t at() const { return at_; }      // head() % size(), kept without dividing

    // The bytes to pass over before a piece of `need` bytes: the rest of the
    // lap when the piece does not fit before the heap's end, or when
    // starting the next lap now pays (see below); otherwise 0. `tail_at()`
    // is called at most once, for the tail as the caller sees it now.
    template <typename TailAt>
    uint64_t skip_for(uint64_t need, TailAt tail_at) {
        if (at_ + need > size_) return size_ - at_;
        // Past the first `warm` bytes of a lap, start the next lap early
        // when the bytes before the oldest live piece are at least as many
        // as the live ones (and this piece): a run whose live data is small
        // keeps reusing the same warm pages, about twice its live bytes,
        // instead of touching the whole heap (resident memory, cache, page
        // faults). Looked at every warm/8 bytes, not per piece.
        if (at_ < warm_ || at_ < next_early_wrap_ || size_ < 2 * warm_) return 0;
        const uint64_t tail = tail_at();
        const uint64_t lap = head_ - at_;
        // This lap's bytes below the tail (none while live pieces remain in
        // the lap before).
        const uint64_t free_before = tail >= lap ? tail - lap : 0;
        const uint64_t live = head_ - tail;
        if (free_before >= need && free_before >= live) {
            next_early_wrap_ = warm_;
            return size_ - at_;
        }
        next_early_wrap_ = at_ + warm_ / 8;  // not yet: look again later
        return 0;
    }

    // Whether `need` bytes after `skip` fit with the oldest live piece
    // starting at `tail` (ring coordinates).
    bool fits(uint64_t skip, uint64_t need, uint64_t tail) const {
        return need <= size_ && head_ + skip + need - tail <= size_;
    }

    // Takes the piece; returns its offset in the heap. Its end in ring
    // coordinates is head() afterwards (what a task's slot records, so that
    // its retirement frees up to there).
    uint64_t take(uint64_t skip, uint64_t need) {
        const uint64_t offset = skip > 0 ? 0 : at_;
        head_ += skip + need;
        at_ = offset + need;
        if (skip > 0) next_early_wrap_ = warm_;  // a new lap: look from its start
        if (at_ == size_) at_ = 0;
        return offset;
    }

private:
    uint64_t size_;
    uint64_t warm_;
    uint64_t head_ = 0;
    uint64_t at_ = 0;
    uint64_t next_early_wrap_ = 0;  // heap offset of the next early-restart look
};
