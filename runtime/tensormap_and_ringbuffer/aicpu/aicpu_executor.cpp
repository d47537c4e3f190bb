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
// scheduler_core.h) with this runtime's policy (ring_policy.h).
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
#include <optional>

#include "aicpu_entry.h"
#include "core_type.h"
#include "device_log.h"
#include "export.h"
#include "event_count.h"
#include "orchestrator.h"
#include "pto_status.h"
#include "ring_layout.h"
#include "ring_policy.h"
#include "scheduler_core.h"
#include "scheduler_slice.h"
#include "task_lifecycle.h"
#include "time_source.h"

namespace {

// The orchestrator's hook into a lone thread's scheduler.
bool step_scheduler(void* core) {
    auto* c = static_cast<RingPolicy::Core*>(core);
    PassResult r = c->step();
    const bool moved = r.progress || r.done || r.status != 0;
    if (!moved) c->about_to_wait();  // the orchestrator waits next
    return moved;
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
        // Threads the orchestration left running may still call until the
        // run ends: they are reported, not dropped, and the object stays.
        if (orchestrator.keeps_object()) orchestrator.wait_for_run_end();
        return status;
    }
    SchedulerSlice slice = SchedulerSlice::of(index, schedulers, b->block_dim);
    RingPolicy policy(v, slice.thread_index);
    EventCount& bell = b->scheduler_bells[slice.thread_index].bell;
    RingPolicy::Core core(policy, slice, v.mailboxes(), b->block_dim, bell);
    core.start_discovery();
    // One thread does both: the orchestration, stepping this scheduler while
    // it waits; then the scheduler alone. The orchestrator goes before that
    // (its teardown overlaps the tasks), unless the orchestration left a
    // thread that may still call: then after the run (as above).
    std::optional<Orchestrator> orchestrator;  // in place: no heap on the AICPU
    if (threads == 1) {
        orchestrator.emplace(v);
        orchestrator->set_scheduler_step(step_scheduler, &core, &bell);
        status = orchestrator->run();
        if (!orchestrator->keeps_object()) orchestrator.reset();
    }
    int run_status = core.run();
    orchestrator.reset();
    core.stop_workers();
    if (status == 0) status = run_status;
    if (status == 0) status = b->abort_status.load(std::memory_order_acquire);
    return status;
}
