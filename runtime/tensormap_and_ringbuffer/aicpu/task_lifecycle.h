// What happens to a task after it is submitted, shared by the scheduler
// threads and the orchestrator: becoming ready, completing (releasing its
// consumers), and being consumed and reclaimed.
//
// A task is ready when its pending count reaches zero: one per producer not
// yet done, plus one the orchestrator holds while it submits. It is consumed
// when its refs reach zero: one for its scope (dropped when the scope ends),
// one for its own completion, and one per consumer that reads what it made
// (dropped when that consumer completes). Consumed tasks at the tail of a
// ring are reclaimed in order: last_alive moves past them, which frees their
// slot, heap bytes and dependency entries for the orchestrator.
#pragma once

#include <atomic>
#include <cstdint>

#include "device_log.h"
#include "pto_orchestration_api.h"
#include "launch_stop.h"
#include "pto_status.h"
#include "ring_layout.h"
#include "time_source.h"

namespace lifecycle {

inline TaskRecord* record_of(const TmView& v, uint64_t seq) {
    return seq < v.block->record_capacity ? &v.records()[seq] : nullptr;
}

// Rings every scheduler thread's doorbell (the last AICPU thread, when there
// are several, orchestrates and waits on a doorbell of its own).
inline void ring_schedulers(const TmView& v) {
    int threads = v.block->aicpu_thread_num;
    int n = threads > 1 ? threads - 1 : 1;
    for (int i = 0; i < n; ++i) pto_notify(&v.block->scheduler_bells[i].bell);
}

// A scheduler's armed word: 0 while it works; while it idles, kArmed plus
// a bit per core type it has an idle worker of (it could take such a task)
// and kArmedCluster when a whole cluster of its is idle (it can place any
// MIX block).
constexpr uint64_t kArmed = 1ull << 63;
constexpr uint64_t kArmedCluster = 1ull << 2;
inline constexpr uint64_t armed_for(int core_type) {
    return 1ull << core_type;
}

inline const char* queue_name(int queue) {
    static const char* const names[kQueueCount] = {"AIC", "AIV", "MIX", "sync-start", "retire"};
    return queue >= 0 && queue < kQueueCount ? names[queue] : "?";
}

inline void ring_one_armed(const TmView& v, uint64_t bits, int self) {
    int threads = v.block->aicpu_thread_num;
    int n = threads > 1 ? threads - 1 : 1;
    for (int i = 0; i < n; ++i) {
        if (i == self) continue;
        if ((v.block->scheduler_armed[i].value.load(std::memory_order_relaxed) & bits) != 0) {
            pto_notify(&v.block->scheduler_bells[i].bell);
            return;
        }
    }
}

// A task was queued on `queue`: rings the first scheduler (other than
// `self`, -1 for none) that idles and can take it: with a worker of its
// core type free, with a whole cluster free for a MIX task, any idle one
// for a task to retire; a sync-start task rings them all (each holds its
// share of the cohort's cores). One is enough otherwise: it takes the task,
// or leaves it for a scheduler that is awake anyway, and rings the next
// idle one if it had fewer free workers than the queue has tasks
// (RingPolicy::after_pass). Ringing the lowest index first keeps a trickle
// of tasks on few schedulers, so the rest park instead of sharing the cores
// with the orchestration. A scheduler that is not armed polls the queues
// before it waits; the fence pairs with the one after a scheduler arms: of
// its arming and this thread's push, at least one sees the other.
inline void wake_idle_scheduler(const TmView& v, int queue, int self) {
    std::atomic_thread_fence(std::memory_order_seq_cst);
    switch (queue) {
        case kQueueAic:
        case kQueueAiv:
            ring_one_armed(v, armed_for(queue), self);
            return;
        case kQueueMix:
            ring_one_armed(v, kArmedCluster, self);
            return;
        case kQueueRetire:
            ring_one_armed(v, kArmed, self);
            return;
        default:
            ring_schedulers(v);
    }
}

// A ready queue holds at most one entry per live task and has more cells
// than tasks can be alive, so a push cannot find it full (ready_queue.h: a
// stalled popper no longer blocks it). Were it ever full the task would be
// lost and the run would stall blaming its producers: the run stops at
// once, naming the task, instead.
inline void stop_on_full_ready_queue(const TmView& v, const TaskSlot& s, int queue) {
    DEV_ERROR("ready queue %s is full (%llu cells) while queueing task #%llu: the run stops",
              queue_name(queue), static_cast<unsigned long long>(v.ready(queue).capacity()),
              static_cast<unsigned long long>(s.seq));
    stop_launch(LaunchStopFields{v.block->abort_status, v.block->stall_ns, v.block->stopped_ns},
                PTO_ERR_SCHEDULER, 0);
    ring_schedulers(v);
    pto_notify(&v.block->orchestrator_bell.bell);
}

inline bool is_special_queue(int queue) {
    return queue >= kQueueMix;
}

// Queues task `id` (its slot `s`) on `queue`; stops the run if it is full.
inline void push_ready(const TmView& v, const TaskSlot& s, int queue) {
    // Raised first: a pass that reads 0 has no task of these queues to miss
    // (the push and its wake-up come after).
    if (is_special_queue(queue)) v.block->special_queued.value.fetch_add(1, std::memory_order_release);
    if (!v.ready(queue).push(s.id)) stop_on_full_ready_queue(v, s, queue);
}

// Pops `queue`; false when it is empty.
inline bool pop_ready(const TmView& v, int queue, uint64_t* id) {
    if (!v.ready(queue).pop(id)) return false;
    if (is_special_queue(queue)) v.block->special_queued.value.fetch_sub(1, std::memory_order_relaxed);
    return true;
}

// Whether a task may wait on the MIX, sync-start or retire queue.
inline bool special_queued(const TmView& v) {
    return v.block->special_queued.value.load(std::memory_order_acquire) != 0;
}

// Whether a ready task's predicate holds: its element, sign-extended, with
// floats compared as their bits (upstream's rule).
inline bool predicate_holds(const ClusterTask& ct) {
    int64_t value = 0;
    const void* at = reinterpret_cast<const void*>(ct.predicate_addr);
    switch (ct.predicate_bytes) {
        case 1: value = *static_cast<const int8_t*>(at); break;
        case 2: value = *static_cast<const int16_t*>(at); break;
        case 4: value = *static_cast<const int32_t*>(at); break;
        default: value = *static_cast<const int64_t*>(at); break;
    }
    const int64_t t = ct.predicate_target;
    switch (static_cast<PredicateOp>(ct.predicate_op)) {
        case PredicateOp::EQ: return value == t;
        case PredicateOp::NE: return value != t;
        case PredicateOp::GT: return value > t;
        case PredicateOp::LT: return value < t;
        case PredicateOp::GE: return value >= t;
        case PredicateOp::LE: return value <= t;
        default: return true;
    }
}

// Where a task that just became ready goes. A predicate is read now, once:
// its producers are done, and the runtime adds no edge to its writer (the
// orchestration must).
inline int queue_of(const TaskSlot& s) {
    const int shape = shape_of(s);
    if (shape == kShapeDummy) return kQueueRetire;
    if (!is_clustered(s)) return shape;
    const ClusterTask& ct = cluster_of(s);
    if (ct.predicate_op != 0 && !predicate_holds(ct)) return kQueueRetire;
    if (ct.sync_start) return kQueueCohort;
    return shape;
}

// The task's pending count reached zero: queue it. Returns the queue (the
// task may be gone once it is queued: nothing reads it after the push).
inline int make_ready(const TmView& v, TaskSlot& s, uint64_t now) {
    s.state.store(static_cast<int32_t>(SlotState::kReady), std::memory_order_relaxed);
    if (TaskRecord* r = record_of(v, s.seq)) {
        r->ready_ns = now;
        r->state.store(static_cast<int32_t>(SlotState::kReady) + 1, std::memory_order_relaxed);
    }
    const int queue = queue_of(s);
    push_ready(v, s, queue);
    return queue;
}

// A task completed: wakes the orchestrator if it waits for tensor data (a
// task to finish). The fence pairs with the one after it announces that
// wait: of this thread's completion and the announcement, at least one
// sees the other.
inline void wake_orchestrator(const TmView& v) {
    std::atomic_thread_fence(std::memory_order_seq_cst);
    if (v.block->orchestrator_waiting.load(std::memory_order_relaxed) ==
        static_cast<int32_t>(OrchestratorWait::kTensorData)) {
        pto_notify(&v.block->orchestrator_bell.bell);
    }
}

// Moves the ring's last_alive past every consumed task at its tail. Any
// thread that consumed a task runs it; seq_cst on both sides so that of a
// consumer storing `consumed` and an advancer reading it, one sees the other.
inline void advance_ring(const TmView& v, int ring) {
    std::atomic<uint64_t>& last = v.block->last_alive[ring].value;
    uint32_t mask = v.block->rings[ring].window - 1;
    TaskSlot* slots = v.slots(ring);
    uint64_t at = last.load(std::memory_order_seq_cst);
    bool moved = false;
    // A slot not yet reused for task `at` holds an older id: the loop stops there.
    for (;;) {
        TaskSlot& s = slots[at & mask];
        if (s.consumed.load(std::memory_order_seq_cst) != task_id_of(ring, at) + 1) break;
        if (last.compare_exchange_strong(at, at + 1, std::memory_order_seq_cst)) {
            ++at;
            moved = true;
        }
        // On failure `at` is the newer value: go on from there.
    }
    // An orchestrator waiting for room sleeps until enough has retired for a
    // batch of work (wake_at); seq_cst pairs with its store of wake_at and
    // its load of last_alive after it: one of the two sees the other.
    if (moved) {
        uint64_t wanted = v.block->wake_at[ring].value.load(std::memory_order_seq_cst);
        if (wanted != 0 && at + 1 >= wanted) pto_notify(&v.block->orchestrator_bell.bell);
    }
}

inline void release_refs(const TmView& v, uint64_t id, int32_t n) {
    TaskSlot& s = v.slot(id);
    if (s.refs.fetch_sub(n, std::memory_order_acq_rel) != n) return;
    // Publishes that nothing needs the task; pairs with advance_ring's loads.
    s.consumed.store(id + 1, std::memory_order_seq_cst);
    advance_ring(v, ring_of(id));
}

inline void release_ref(const TmView& v, uint64_t id) {
    release_refs(v, id, 1);
}

// Takes n references on a task that is not consumed yet; false if it is.
inline bool try_take_refs(TaskSlot& s, int32_t n) {
    int32_t refs = s.refs.load(std::memory_order_acquire);
    while (refs > 0) {
        if (s.refs.compare_exchange_weak(refs, refs + n, std::memory_order_acq_rel)) return true;
    }
    return false;
}

// The task finished (its kernel returned, or it had none: `trace` is then
// empty): release its consumers, then the references it held on its
// producers, then its own. Returns how many consumers became ready.
inline int complete_task(const TmView& v, TaskSlot& s, const TaskTrace& trace, uint64_t now) {
    s.state.store(static_cast<int32_t>(SlotState::kDone), std::memory_order_release);
    // Takes the consumers linked so far and closes the list to later ones.
    // Acquire pairs with the orchestrator's release compare-exchange in
    // Orchestrator::link(), which published the entry and its pending count.
    uint64_t next = s.fanout_head.exchange(kFanoutClosed, std::memory_order_acq_rel);
    if (TaskRecord* r = record_of(v, s.seq)) {
        r->start_ns = trace.start_ns;
        r->end_ns = trace.end_ns;
        r->dispatch_ns = trace.dispatch_ns;
        r->worker = trace.worker;
        r->scheduler = trace.scheduler;
        r->state.store(static_cast<int32_t>(SlotState::kDone) + 1, std::memory_order_release);
    }
    int released = 0;
    while (next != 0) {
        DepEntry& e = v.dep(next - 1);
        next = e.next;
        TaskSlot& c = v.slot(e.consumer);
        // acq_rel: whoever brings the count to zero sees every producer's
        // completion before it queues the consumer.
        if (c.pending.fetch_sub(1, std::memory_order_acq_rel) == 1) {
            make_ready(v, c, now);
            ++released;
        }
    }
    int ring = ring_of(s.id);
    uint32_t pool = v.block->rings[ring].dep_pool;
    if (s.dep_count > 0) {
        const DepEntry* deps = v.deps(ring);
        const uint64_t end = s.dep_end();
        for (uint64_t i = s.dep_begin, at = s.dep_begin % pool; i < end; ++i) {
            if (deps[at].holds_ref) release_ref(v, deps[at].producer);
            if (++at == pool) at = 0;
        }
    }
    uint64_t id = s.id;
    release_ref(v, id);
    return released;
}

}  // namespace lifecycle
