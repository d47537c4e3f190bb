// The rings: a task's slot in its ring's window and its bytes in the ring's
// heap, first fit, the heap's early lap restart, and waiting for room.
#include "orchestrator.h"

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "device_log.h"
#include "event_count.h"
#include "orchestrator_internal.h"
#include "orchestrator_wait_for_room.h"
#include "pto_status.h"
#include "task_lifecycle.h"
#include "time_source.h"

using namespace orch_detail;

// A slot and `heap_bytes` of heap in `ring` for a new task.
bool Orchestrator::allocate(int ring, uint64_t heap_bytes, Allocation* out) {
    const RingSettings& rs = v_.block->rings[ring];
    // At most window - 1 live tasks: a slot is reused only once the task a
    // window before it has been reclaimed. A full window waits for room for
    // a batch (an eighth of it) more.
    auto window_batch_at = [&]() -> uint64_t {
        const uint64_t batch = rs.window / kBatchShare > 0 ? rs.window / kBatchShare : 1;
        const uint64_t at =
            next_[ring] + 2 + batch > rs.window ? next_[ring] + 2 + batch - rs.window : 0;
        return at < next_[ring] ? at : next_[ring];
    };
    // The room last seen is checked first: last_alive's line is written by
    // the schedulers as tasks retire, and reading it per task would take it
    // from them each time. Only a ring that looks full is looked at again.
    auto window_room = [&](uint64_t l) { return next_[ring] - l < rs.window - 1; };
    if (!window_room(last_seen_[ring]) &&
        !wait_for_room(ring, Room::kWindow, 1, window_batch_at,
                       [&] { return window_room(last_seen(ring)); })) {
        return false;
    }
    const uint64_t number = next_[ring]++;
    TaskSlot& s = claim_slot(ring, number);
    uint8_t* memory = take_heap(ring, number, heap_bytes);
    if (memory == nullptr) return false;
    out->id = s.id;
    out->slot = &s;
    out->memory = memory;
    return true;
}

// Fills the slot of task `number` of `ring` for a new task (its previous
// task is reclaimed: nothing reads it any more).
TaskSlot& Orchestrator::claim_slot(int ring, uint64_t number) {
    const RingSettings& rs = v_.block->rings[ring];
    const uint64_t id = task_id_of(ring, number);
    TaskSlot& s = v_.slots(ring)[number & (rs.window - 1)];
    s.id = id;
    s.seq = ~0ull;
    s.kernel = 0;
    s.args = 0;
    s.func_id = -1;
    s.shape = -1;  // alloc_tensors; a submit sets it
    s.pending.store(1, std::memory_order_relaxed);
    s.refs.store(2, std::memory_order_relaxed);  // scope + own completion
    s.state.store(static_cast<int32_t>(SlotState::kPending), std::memory_order_relaxed);
    s.fanout_head.store(0, std::memory_order_relaxed);
    s.consumed.store(0, std::memory_order_relaxed);
    s.scope_serial = depth_ > 0 ? scopes_[depth_ - 1].serial : 0;
    s.scope_depth = static_cast<uint8_t>(depth_);
    s.args_lines = 0;
    s.dep_begin = dep_head_[ring];
    s.dep_count = 0;
    current_ = id;
    return s;
}

// The heap bytes of task `number` of `ring`, in one piece, skipping the
// ring's tail when they do not fit before its end; null when the run
// stopped for want of room (named). The slot's heap_end is set either way.
uint8_t* Orchestrator::take_heap(int ring, uint64_t number, uint64_t heap_bytes) {
    TmLaunchBlock* b = v_.block;
    const RingSettings& rs = b->rings[ring];
    std::atomic<uint64_t>& last = b->last_alive[ring].value;
    TaskSlot& s = v_.slots(ring)[number & (rs.window - 1)];
    HeapRing& heap = heaps_[ring];
    const uint64_t need = align_up(heap_bytes, kHeapAlign);
    // Where the oldest live piece starts (ring coordinates): the newest
    // reclaimed task's end, written by this thread. With nothing older
    // alive, all of the heap is free from where this piece goes.
    uint64_t skip = 0;
    auto tail_at = [&](uint64_t l) -> uint64_t {
        if (l >= number) return heap.head() + skip;
        return l == 0 ? 0 : v_.slots(ring)[(l - 1) & (rs.window - 1)].heap_end;
    };
    skip = heap.skip_for(need, [&] { return tail_at(last_seen(ring)); });
    // The reclaim point that frees the request and a batch (an eighth of the
    // heap) more; the ends of live tasks' pieces grow with their numbers.
    auto heap_batch_at = [&]() -> uint64_t {
        const uint64_t want = need + skip + rs.heap / kBatchShare;
        return first_fit(last.load(std::memory_order_acquire), number, tail_at,
                         [&](uint64_t tail) { return heap.head() + want - tail <= rs.heap; });
    };
    auto heap_room = [&](uint64_t l) { return heap.fits(skip, need, tail_at(l)); };
    if (need > rs.heap || (!heap_room(last_seen_[ring]) &&
                           !wait_for_room(ring, Room::kHeap, need, heap_batch_at,
                                          [&] { return heap_room(last_seen(ring)); }))) {
        if (need > rs.heap && !failed())
            report_no_room(ring, Room::kHeap, need, nullptr, false, false);
        s.heap_end = heap.head();
        return nullptr;
    }
    const uint64_t offset = heap.take(skip, need);
    s.heap_end = heap.head();
    return v_.heap(ring) + offset;
}

// The number of `ring`'s oldest task that belongs to a scope still open
// here, or ~0 if none: scope i (depth i + 1) puts its tasks in ring
// min(i, 3), and the scope stack holds each open scope's tasks after its
// tasks_begin (a nested scope's are gone once it ends).
uint64_t Orchestrator::open_scope_floor(int ring) const {
    const uint32_t open = depth_ < PTO2_MAX_SCOPE_DEPTH ? depth_ : PTO2_MAX_SCOPE_DEPTH;
    for (uint32_t i = static_cast<uint32_t>(ring); i < open; ++i) {
        if (ring < kRingCount - 1 && i != static_cast<uint32_t>(ring)) break;
        const uint32_t begin = scopes_[i].tasks_begin;
        const uint32_t end = i + 1 < open ? scopes_[i + 1].tasks_begin : scope_top_;
        if (begin < end) return number_of(scope_tasks_[begin]);
    }
    return ~0ull;
}

Orchestrator::RoomWakeups Orchestrator::arm_room_wakeups(int ring, Room what, uint64_t batch_at) {
    TmLaunchBlock* b = v_.block;
    // Retirements up to the batch ring the doorbell (lifecycle::advance_ring); the
    // tensor map's wait is rung by any retirement on any ring.
    const int from = what == Room::kMap ? 0 : ring;
    const int to = what == Room::kMap ? kRingCount : ring + 1;
    for (int r = from; r < to; ++r) {
        uint64_t target = what == Room::kMap
                              ? b->last_alive[r].value.load(std::memory_order_acquire) + 1
                              : batch_at;
        b->wake_at[r].value.store(target + 1, std::memory_order_seq_cst);
    }
    // Pairs with advance_ring's seq_cst compare-exchange and load of wake_at:
    // of its move and this store, one sees the other (the waiter's checks
    // load last_alive after the fence).
    std::atomic_thread_fence(std::memory_order_seq_cst);
    return RoomWakeups(b, from, to);
}

bool Orchestrator::room_is_stuck(const RoomWakeups& wakeups, const TaskSlot** blocker) const {
    const TmLaunchBlock* b = v_.block;
    bool any_live = false;
    bool all_held = true;
    for (int r = wakeups.from; r < wakeups.to; ++r) {
        uint64_t last = b->last_alive[r].value.load(std::memory_order_acquire);
        if (last >= next_[r]) continue;
        any_live = true;
        const TaskSlot& s = v_.slots(r)[last & (b->rings[r].window - 1)];
        bool in_open_scope = scope_open(s.scope_depth, s.scope_serial) &&
                             s.refs.load(std::memory_order_acquire) > 0;
        bool is_current = s.id == current_;
        if (in_open_scope || is_current) {
            // The task being submitted has no number or kernel yet to name.
            if (*blocker == nullptr && !is_current) *blocker = &s;
        } else {
            all_held = false;
        }
    }
    // Nothing alive to retire means the request alone is too big.
    return !any_live || all_held;
}

uint64_t Orchestrator::retired_mark() const {
    uint64_t sum = 0;
    for (int r = 0; r < kRingCount; ++r) {
        sum += v_.block->last_alive[r].value.load(std::memory_order_acquire);
    }
    return sum;
}
