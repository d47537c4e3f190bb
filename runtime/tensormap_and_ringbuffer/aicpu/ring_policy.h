// tensormap_and_ringbuffer's scheduling policy over the shared core
// (runtime/shared/scheduler_core.h): where ready work comes from (the
// ready queues the orchestrator and completions fill), how a task becomes
// units of work on cores, what completing a unit releases
// (task_lifecycle.h), when the run is over, and whom to wake.
//
// A task of one kernel on one core is one unit, its task id. A clustered
// task (blocks, several kernels, sync start, a predicate; ring_layout.h)
// is block_num x (active slots) units. Each pass serves, in order:
//   1. the retire queue: dummy tasks, and tasks whose predicate was false,
//      complete here without a kernel;
//   2. the sync-start cohort (cohort.h); while one gathers, nothing else;
//   3. MIX blocks, each on one cluster: one whose used cores are all idle,
//      else one where each used core is idle or busy with nothing queued
//      behind it (the block's kernel there starts when the core finishes:
//      CLUSTER.md section 4, no start order between a block's kernels);
//      one that finds neither keeps the cluster closest to free for itself
//      this pass, so single-core work cannot keep a MIX task waiting forever;
//   4. AIC and AIV work, one unit per idle worker.
// A clustered task popped from its queue is held by this thread for the
// pass: it hands out the next block indices, in order, to as many cores as
// it has free, and pushes the task back if blocks remain, ringing an idle
// scheduler that can take more, so other threads place the rest
// concurrently.
#pragma once

#include <cstdint>
#include <cstring>

#include "block_check.h"
#include "cohort.h"
#include "orchestrator.h"
#include "ring_layout.h"
#include "scheduler_core.h"
#include "task_lifecycle.h"
#include "time_source.h"

static_assert(sizeof(ChipTensor) == 128, "WorkerArgs::descs holds 128-byte descriptors");
static_assert(sizeof(WorkerArgs::descs) == PTO2_MAX_TENSOR_ARGS * sizeof(ChipTensor),
              "WorkerArgs::descs holds every tensor argument");

class RingPolicy {
public:
    using Core = SchedulerCore<RingPolicy>;
    RingPolicy(const TmView& v, int self)
        : v_(v), b_(v.block), self_(self), cohort_(v), checker_(v) {}

    // Serialised (PTO2_ORCH_SERIAL): nothing runs before the orchestration
    // returned. Acquire pairs with the orchestrator's release store of
    // orchestration_done: `submitted` is final once it reads 1.
    bool may_dispatch() const {
        return b_->serial == 0 || b_->orchestration_done.load(std::memory_order_acquire) != 0;
    }

    void dispatch_pass(Core& core, PassResult& r) {
        // Most passes find no MIX, sync-start or retiring task anywhere: one
        // line read says so (a gathering cohort is seen through its own).
        const bool special = lifecycle::special_queued(v_) || held_[kQueueMix].id != 0;
        if (special) retire_ready(r);
        if (cohort_.pass(core)) return;
        const int reserved = special ? place_mix(core) : -1;
        core.dispatch_singles();
        if (reserved >= 0) release_reserved(core, reserved);
        put_back_held();
    }

    // The next unit for an idle worker of `type`: the next block of the task
    // this thread holds, else the next task of the queue.
    bool pop_ready(CoreType type, uint64_t* token) {
        const int q = static_cast<int>(type);
        Held& h = held_[q];
        for (;;) {
            if (h.id == 0 && !take(q, &h, token)) return false;
            if (h.id == 0) return true;  // one kernel on one core: the task itself
            if (h.next < h.block_num) {
                if (h.one_only) checker_.before_block(*h.ct);
                *token = unit_token(h.id - 1, q == kQueueAic ? kSlotAic : kSlotAiv0, h.next++);
                if (h.one_only) drop(h);  // back on its queue once the block is checked
                return true;
            }
            drop(h);  // every block handed out
        }
    }

    DispatchWords prepare_dispatch(const Dispatch& d) const {
        if (is_unit(d.token)) return prepare_unit(d);
        TaskSlot& s = v_.slot(d.token);
        mark_running(s, d);
        return DispatchWords{s.seq + 1, s.kernel, s.args,
                             static_cast<uint32_t>(s.args_lines) * PLATFORM_CACHE_LINE};
    }

    int complete(const Completion& c, uint64_t now, bool* task_done) {
        TaskTrace trace;
        trace.worker = c.worker;
        trace.scheduler = c.scheduler;
        trace.dispatch_ns = c.dispatch_ns;
        trace.start_ns = c.start_ns;
        trace.end_ns = c.end_ns;
        if (!is_unit(c.token)) {
            *task_done = true;
            return lifecycle::complete_task(v_, v_.slot(c.token), trace, now);
        }
        TaskSlot& s = v_.slot(unit_task(c.token));
        ClusterTask& ct = cluster_of(s);
        record_block(s, ct, c);
        checker_.after_unit(s, ct, unit_block(c.token), shape_of(s), self_);
        lower_to(ct.first_start_ns, c.start_ns);
        raise_to(ct.last_end_ns, c.end_ns);
        // acq_rel: the unit that finishes the task sees every other unit's stamps.
        *task_done = ct.units_left.fetch_sub(1, std::memory_order_acq_rel) == 1;
        if (!*task_done) return 0;
        trace.start_ns = ct.first_start_ns.load(std::memory_order_relaxed);
        trace.end_ns = ct.last_end_ns.load(std::memory_order_relaxed);
        return lifecycle::complete_task(v_, s, trace, now);
    }

    // A completion may be what the orchestrator waits for (tensor data).
    uint64_t add_completed(uint64_t n) const {
        if (n == 0) return b_->completed.load(std::memory_order_acquire);
        uint64_t total = b_->completed.fetch_add(n, std::memory_order_acq_rel) + n;
        lifecycle::wake_orchestrator(v_);
        // The run's last completion: the orchestrator waits for it to let go
        // of the orchestration object (Orchestrator::wait_for_run_end).
        if (all_done(total)) pto_notify(&b_->orchestrator_bell.bell);
        return total;
    }
    bool all_done(uint64_t completed) const {
        // Pairs with the orchestrator's release store of orchestration_done.
        return b_->orchestration_done.load(std::memory_order_acquire) != 0 &&
               completed >= b_->submitted.load(std::memory_order_acquire);
    }
    // An orchestration that has not returned may submit more: the run can
    // stall on it too (one that spins after its last submit, say), and a
    // submit is progress as a completion is.
    bool outstanding(uint64_t completed) const {
        // Pairs with the orchestrator's release store of orchestration_done.
        if (b_->orchestration_done.load(std::memory_order_acquire) == 0) return true;
        return completed < b_->submitted.load(std::memory_order_acquire);
    }
    uint64_t progress_mark(uint64_t completed) const {
        return completed + b_->submitted.load(std::memory_order_acquire);
    }
    uint64_t timeout_ns() const { return b_->timeout_ns; }

    LaunchStopFields stop_fields() const {
        return LaunchStopFields{b_->abort_status, b_->stall_ns, b_->stopped_ns};
    }
    void ring_all() const {
        lifecycle::ring_schedulers(v_);
        pto_notify(&b_->orchestrator_bell.bell);
    }
    void ring_others(int) const { lifecycle::ring_schedulers(v_); }

    // Tasks this pass made ready: this thread takes them on its next pass
    // (it returns with progress), as many as it has workers free. Ready
    // tasks of a type it has no worker free for after a pass that released
    // or dispatched some go to an idle scheduler that has: more than this
    // thread could take (it may be the one rung for them), or of a type it
    // lacks. A chain wakes nobody else.
    void after_pass(Core& core, const PassResult& r) const {
        for (int t = 0; t < 2; ++t) {
            if (r.idle[t] == 0 && (r.released > 0 || r.dispatched[t] > 0) && v_.ready(t).size() > 0) {
                lifecycle::wake_idle_scheduler(v_, t, core.thread_index());
            }
        }
        if (r.released > 0 && !r.idle_cluster && lifecycle::special_queued(v_) &&
            v_.ready(kQueueMix).size() > 0) {
            lifecycle::wake_idle_scheduler(v_, kQueueMix, core.thread_index());
        }
    }

    // Armed while idle, with the core types it has workers free for (and
    // whether a whole cluster is free): a task it could take made ready
    // then rings this thread's doorbell (lifecycle::wake_idle_scheduler);
    // while it finds work, nobody needs to. The fence pairs with
    // wake_idle_scheduler's; the core looks once more before it waits.
    bool arm(int self, uint64_t idle_types) const {
        b_->scheduler_armed[self].value.store(lifecycle::kArmed | idle_types, std::memory_order_relaxed);
        std::atomic_thread_fence(std::memory_order_seq_cst);
        return true;
    }
    void disarm(int self) const {
        b_->scheduler_armed[self].value.store(0, std::memory_order_relaxed);
    }

private:
    // A clustered task this thread holds for the pass (taken from queue q).
    struct Held {
        uint64_t id = 0;  // task id + 1, 0 = none
        ClusterTask* ct = nullptr;
        int32_t next = 0, block_num = 0;
        uint8_t mask = 0;
        bool one_only = false;  // under the block checker: one block, then let go
    };

    // Pops queue q: a plain task is returned as its token (h stays empty);
    // a clustered one is held in h. False when the queue is empty, or (the
    // block checker) when its task must wait for another's check: then the
    // queue rests for this pass.
    bool take(int q, Held* h, uint64_t* token) {
        uint64_t id;
        if (!lifecycle::pop_ready(v_, q, &id)) return false;
        TaskSlot& s = v_.slot(id);
        if (!is_clustered(s)) {
            *token = id;
            return true;
        }
        ClusterTask& ct = cluster_of(s);
        h->id = id + 1;
        h->ct = &ct;
        // Pairs with the release of the queue push that handed the task over.
        h->next = ct.next_block.load(std::memory_order_relaxed);
        h->block_num = ct.block_num;
        h->mask = ct.slot_mask;
        h->one_only = false;
        switch (checker_.turn(id, s, ct)) {
            case BlockChecker::Turn::kFree:
                break;
            case BlockChecker::Turn::kOneBlock:
                h->one_only = true;
                break;
            case BlockChecker::Turn::kWait:
                h->id = 0;
                lifecycle::push_ready(v_, s, q);
                return false;
        }
        return true;
    }

    // Lets go of a task whose blocks are all handed out. The count is kept
    // for the stall report; the task lives until its kernels finish, and
    // those on this thread's cores finish in a later pass of this thread.
    static void drop(Held& h) {
        h.ct->next_block.store(h.next, std::memory_order_relaxed);
        h.id = 0;
    }

    // Pushes back every held task with blocks left, for this thread's next
    // pass or another thread's.
    void put_back_held() {
        for (int q = 0; q <= kQueueMix; ++q) {
            Held& h = held_[q];
            if (h.id == 0) continue;
            const uint64_t id = h.id - 1;
            const bool left = h.next < h.block_num;
            drop(h);
            if (!left) continue;
            // Publishes next_block; pairs with the acquire of the next pop.
            lifecycle::push_ready(v_, v_.slot(id), q);
            lifecycle::wake_idle_scheduler(v_, q, self_);
        }
    }

    // Dummies and tasks whose predicate was false: complete, no kernel.
    void retire_ready(PassResult& r) const {
        uint64_t id;
        uint64_t now = 0;
        while (lifecycle::pop_ready(v_, kQueueRetire, &id)) {
            if (now == 0) now = pto_now_ns();
            r.released += static_cast<uint64_t>(
                lifecycle::complete_task(v_, v_.slot(id), TaskTrace(), now));
            ++r.finished;
            r.progress = true;
        }
    }

    // MIX blocks onto clusters whose used cores are all idle. Returns the
    // cluster kept for a MIX block that found none (its idle used cores are
    // held for the pass), or -1.
    int place_mix(Core& core) {
        Held& h = held_[kQueueMix];
        const SchedulerSlice& sl = core.slice();
        uint64_t token;
        for (;;) {
            if (h.id == 0) {
                if (!take(kQueueMix, &h, &token)) return -1;
                // A MIX task always carries a ClusterTask; were one plain it
                // would have no slots to place.
                if (h.id == 0) continue;
            }
            if (h.next >= h.block_num) {
                drop(h);
                continue;
            }
            int best = -1, best_free = -1, later = -1;
            bool placed = false;
            for (int c = sl.cluster_begin; c < sl.cluster_end; ++c) {
                const uint32_t free = core.idle_slots(c) & h.mask;
                if (free == h.mask) {
                    place_block(core, h, c);
                    placed = true;
                    break;
                }
                if (later < 0 && can_follow(core, c, h.mask)) later = c;
                const int n = slot_count(static_cast<uint8_t>(free));
                if (n > best_free) {
                    best_free = n;
                    best = c;
                }
            }
            if (!placed && later >= 0) {
                place_block(core, h, later);
                placed = true;
            }
            if (placed) continue;
            if (best >= 0) {
                for (int slot = 0; slot < kSlotCount; ++slot) {
                    const int w = core.worker_of(best, slot);
                    if ((h.mask & (1u << slot)) && core.has_idle_worker(w)) core.hold(w);
                }
            }
            return best;
        }
    }

    // Each used core of the cluster idle, or busy with nothing queued.
    static bool can_follow(const Core& core, int cluster, uint8_t mask) {
        for (int slot = 0; slot < kSlotCount; ++slot) {
            if ((mask & (1u << slot)) == 0) continue;
            const int w = core.worker_of(cluster, slot);
            if (!core.has_idle_worker(w) && !core.can_queue(w)) return false;
        }
        return true;
    }

    void place_block(Core& core, Held& h, int cluster) {
        if (h.one_only) checker_.before_block(*h.ct);
        const int block = h.next++;
        for (int slot = 0; slot < kSlotCount; ++slot) {
            if ((h.mask & (1u << slot)) == 0) continue;
            const int w = core.worker_of(cluster, slot);
            // Idle, or busy with a free second slot (can_follow): the unit
            // starts now, or right after the worker's current one.
            core.dispatch(w, unit_token(h.id - 1, slot, block));
        }
        if (h.one_only) drop(h);  // back on its queue once the block is checked
    }

    void release_reserved(Core& core, int cluster) const {
        for (int slot = 0; slot < kSlotCount; ++slot) {
            const int w = core.worker_of(cluster, slot);
            if (core.held(w)) core.unhold(w);
        }
    }

    void mark_running(TaskSlot& s, const Dispatch& d) const {
        s.state.store(static_cast<int32_t>(SlotState::kRunning), std::memory_order_relaxed);
        if (TaskRecord* r = lifecycle::record_of(v_, s.seq)) {
            r->state.store(static_cast<int32_t>(SlotState::kRunning) + 1,
                           std::memory_order_relaxed);
            r->worker = d.worker;
            r->scheduler = d.scheduler;
        }
    }

    // One block's kernel: the task's arguments copied to the worker's
    // WorkerArgs of the dispatch slot it goes in, with slots 48 and 49 pointing at this block's context and
    // the worker's lane.
    DispatchWords prepare_unit(const Dispatch& d) const {
        TaskSlot& s = v_.slot(unit_task(d.token));
        const ClusterTask& ct = cluster_of(s);
        if (s.state.load(std::memory_order_relaxed) != static_cast<int32_t>(SlotState::kRunning)) {
            mark_running(s, d);
        }
        WorkerArgs& wa = v_.worker_args()[2 * d.worker + d.slot];
        const auto* words = reinterpret_cast<const uint64_t*>(s.args);
        const int tensors = ct.tensor_count;
        for (int i = 0; i < tensors; ++i) {
            std::memcpy(wa.descs + i * sizeof(ChipTensor), reinterpret_cast<const void*>(words[i]),
                        sizeof(ChipTensor));
            wa.words[i] = reinterpret_cast<uint64_t>(wa.descs + i * sizeof(ChipTensor));
        }
        for (int j = 0; j < ct.scalar_count; ++j) wa.words[tensors + j] = words[tensors + j];
        wa.local.block_idx = unit_block(d.token);
        wa.local.block_num = ct.block_num;
        // The core's lane in its cluster (AIC: 0); written here, not by the
        // host, so a launch that runs no block touches none of these pages.
        const int32_t dim = b_->block_dim;
        wa.global.sub_block_id = d.worker < dim ? 0 : (d.worker - dim) % PLATFORM_AIV_PER_BLOCK;
        wa.words[SPMD_LOCAL_CONTEXT_INDEX] = reinterpret_cast<uint64_t>(&wa.local);
        wa.words[SPMD_GLOBAL_CONTEXT_INDEX] = reinterpret_cast<uint64_t>(&wa.global);
        return DispatchWords{s.seq + 1, ct.kernels[unit_slot(d.token)],
                             reinterpret_cast<uint64_t>(wa.words),
                             static_cast<uint32_t>(kWorkerArgsHead + tensors * sizeof(ChipTensor))};
    }

    // The block record of a kernel of a recorded task (the first
    // record_capacity tasks), while there is room.
    void record_block(const TaskSlot& s, const ClusterTask& ct, const Completion& c) const {
        if (s.seq >= b_->record_capacity) return;
        const uint32_t i = b_->block_records_seen.fetch_add(1, std::memory_order_relaxed);
        if (i >= b_->block_record_capacity) return;
        BlockRecord& r = v_.block_records()[i];
        r.seq = static_cast<int32_t>(s.seq);
        r.block_idx = unit_block(c.token);
        r.block_num = ct.block_num;
        r.slot = unit_slot(c.token);
        r.func_id = ct.func_ids[r.slot];
        r.worker = c.worker;
        r.scheduler = c.scheduler;
        r.dispatch_ns = c.dispatch_ns;
        r.start_ns = c.start_ns;
        r.end_ns = c.end_ns;
    }

    static void lower_to(std::atomic<uint64_t>& at, uint64_t v) {
        uint64_t cur = at.load(std::memory_order_relaxed);
        while (v < cur && !at.compare_exchange_weak(cur, v, std::memory_order_relaxed)) {
        }
    }
    static void raise_to(std::atomic<uint64_t>& at, uint64_t v) {
        uint64_t cur = at.load(std::memory_order_relaxed);
        while (v > cur && !at.compare_exchange_weak(cur, v, std::memory_order_relaxed)) {
        }
    }

    const TmView& v_;
    TmLaunchBlock* b_;
    int self_;
    Held held_[kQueueMix + 1];
    CohortGatherer<Core> cohort_;
    BlockChecker checker_;
};
