// The AICPU side of tensormap_and_ringbuffer. aicpu_execute() is entered by
// every AICPU thread of a launch. The last thread is the orchestrator: it
// runs the orchestration object, whose submits make tasks ready while it
// goes on. The others are schedulers, each owning an even slice of the
// workers: they dispatch ready tasks, complete finished ones (releasing
// their consumers) and stop when the orchestration is done and every task
// it submitted has completed. With one AICPU thread, that thread
// orchestrates and runs its scheduler's steps wherever the orchestration
// waits (and every few submissions), so tasks run and rings drain before the
// orchestration returns. With PTO2_ORCH_SERIAL the orchestration runs to its
// end before any task is dispatched.
//
// The schedulers run the shared scheduling core (runtime/shared/
// scheduler_core.h); this file says where ready tasks come from (the ready
// queues the orchestrator and completions fill), what completing one
// releases (task_lifecycle.h), when the run is over, and whom to wake.
//
// Shared state and who touches it:
//   - a worker's SchedulerLine: its owner scheduler; its WorkerLine: the worker.
//   - task slots: the orchestrator fills a slot before publishing it; pending,
//     refs, state and the fanout list are atomics or under the slot's lock.
//   - ready queues: the orchestrator and schedulers push, schedulers pop.
//   - last_alive per ring: advanced by whichever thread consumes a task.
//   - abort_status: the first failure (a scheduler's, the orchestrator's, the
//     host's), which stops every thread.
#include <cstdint>

#include "aicpu_entry.h"
#include "core_type.h"
#include "device_log.h"
#include "export.h"
#include "event_count.h"
#include "orchestrator.h"
#include "pto_status.h"
#include "ring_layout.h"
#include "scheduler_core.h"
#include "scheduler_slice.h"
#include "task_lifecycle.h"
#include "time_source.h"

namespace {

class RingPolicy {
public:
    explicit RingPolicy(const TmView& v) : v_(v), b_(v.block) {}
    using Core = SchedulerCore<RingPolicy>;

    // Serialised (PTO2_ORCH_SERIAL): nothing runs before the orchestration
    // returned. Acquire pairs with the orchestrator's release store of
    // orchestration_done: `submitted` is final once it reads 1.
    bool may_dispatch() const {
        return b_->serial == 0 || b_->orchestration_done.load(std::memory_order_acquire) != 0;
    }

    bool pop_ready(CoreType type, uint64_t* token) const {
        return v_.ready(static_cast<int>(type)).pop(token);
    }

    DispatchWords prepare_dispatch(const Dispatch& d) const {
        TaskSlot& s = v_.slot(d.token);
        s.state.store(static_cast<int32_t>(SlotState::kRunning), std::memory_order_relaxed);
        if (TaskRecord* r = lifecycle::record_of(v_, s.seq)) {
            r->state.store(static_cast<int32_t>(SlotState::kRunning) + 1,
                           std::memory_order_relaxed);
            r->worker = d.worker;
            r->scheduler = d.scheduler;
        }
        return DispatchWords{s.seq + 1, s.kernel, s.args,
                             static_cast<uint32_t>(s.args_lines) * PLATFORM_CACHE_LINE};
    }

    int complete(const Completion& c, uint64_t now) const {
        TaskTrace trace;
        trace.worker = c.worker;
        trace.scheduler = c.scheduler;
        trace.dispatch_ns = c.dispatch_ns;
        trace.start_ns = c.start_ns;
        trace.end_ns = c.end_ns;
        return lifecycle::complete_task(v_, v_.slot(c.token), trace, now);
    }

    // A completion may be what the orchestrator waits for (tensor data).
    uint64_t add_completed(uint64_t n) const {
        if (n == 0) return b_->completed.load(std::memory_order_acquire);
        uint64_t total = b_->completed.fetch_add(n, std::memory_order_acq_rel) + n;
        lifecycle::wake_orchestrator(v_);
        return total;
    }
    bool all_done(uint64_t completed) const {
        // Pairs with the orchestrator's release store of orchestration_done.
        return b_->orchestration_done.load(std::memory_order_acquire) != 0 &&
               completed >= b_->submitted.load(std::memory_order_acquire);
    }
    bool outstanding(uint64_t completed) const {
        return may_dispatch() && completed < b_->submitted.load(std::memory_order_acquire);
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
    }

    // Armed while idle, with the core types it has workers free for: a task
    // of such a type made ready then rings this thread's doorbell
    // (lifecycle::wake_idle_scheduler); while it finds work, nobody needs to. The
    // fence pairs with wake_idle_scheduler's; the core looks once more
    // before it waits.
    bool arm(int self, uint64_t idle_types) const {
        b_->scheduler_armed[self].value.store(lifecycle::kArmed | idle_types, std::memory_order_relaxed);
        std::atomic_thread_fence(std::memory_order_seq_cst);
        return true;
    }
    void disarm(int self) const {
        b_->scheduler_armed[self].value.store(0, std::memory_order_relaxed);
    }

private:
    const TmView& v_;
    TmLaunchBlock* b_;
};

// The orchestrator's hook into a lone thread's scheduler.
bool step_scheduler(void* core) {
    PassResult r = static_cast<RingPolicy::Core*>(core)->step();
    return r.progress || r.done || r.status != 0;
}

}  // namespace

extern "C" PTO_EXPORT int aicpu_execute(void* launch_block) {
    auto* b = static_cast<TmLaunchBlock*>(launch_block);
    if (b == nullptr || b->magic != kTmLaunchMagic) {
        DEV_ERROR("aicpu_execute: the argument is not a launch block of tensormap_and_ringbuffer");
        return PTO_ERR_NOT_INITIALIZED;
    }
    const TmView v = TmView::of(launch_block);
    const int threads = b->aicpu_thread_num;
    const int index = b->next_thread.fetch_add(1, std::memory_order_acq_rel);
    if (index >= threads) {
        DEV_ERROR("aicpu_execute: entered by %d threads, the launch was prepared for %d", index + 1,
                  threads);
        return PTO_ERR_SCHEDULER;
    }
    const int schedulers = threads > 1 ? threads - 1 : 1;
    int status = 0;
    if (index == threads - 1 && threads > 1) {
        Orchestrator orchestrator(v);
        status = orchestrator.run();
        return status;
    }
    SchedulerSlice slice = SchedulerSlice::of(index, schedulers, b->block_dim);
    RingPolicy policy(v);
    EventCount& bell = b->scheduler_bells[slice.thread_index].bell;
    RingPolicy::Core core(policy, slice, v.mailboxes(), b->block_dim, bell);
    core.start_discovery();
    if (threads == 1) {
        // One thread does both: the orchestration, stepping this scheduler
        // while it waits; then the scheduler alone.
        Orchestrator orchestrator(v);
        orchestrator.set_scheduler_step(step_scheduler, &core, &bell);
        status = orchestrator.run();
    }
    int run_status = core.run();
    core.stop_workers();
    if (status == 0) status = run_status;
    if (status == 0) status = b->abort_status.load(std::memory_order_acquire);
    return status;
}
