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
#include "idle_wait.h"
#include "orchestrator.h"
#include "pto_status.h"
#include "ring_layout.h"
#include "scheduler_slice.h"
#include "task_lifecycle.h"
#include "time_source.h"

namespace {

constexpr uint64_t kMaxParkNs = 50'000'000;

struct OwnedWorker {
    bool answered = false;
    uint64_t task = 0;  // PTO2TaskId + 1 of the running task, 0 when idle
    uint32_t seq = 0;
    TaskTrace trace;  // of the running task
};

class Scheduler {
public:
    Scheduler(const TmView& v, const SchedulerSlice& slice)
        : v_(v), slice_(slice), bell_(v.block->scheduler_bells[slice.thread_index].bell) {}

    void start_discovery();
    int run();
    // One pass over this thread's workers: completions collected, ready
    // tasks dispatched. Returns a failure status (< 0; the run is aborted),
    // 1 when the run is over, else 0; *progress says whether anything moved.
    int step(bool* progress);
    void stop_workers();

private:
    void abort_run(int status, uint64_t stall_ns);
    int check_answer(int w);
    void dispatch(int w, uint64_t id);
    CoreType type_of(int w) const {
        return w < v_.block->block_dim ? CoreType::AIC : CoreType::AIV;
    }

    const TmView& v_;
    const SchedulerSlice& slice_;
    Doorbell& bell_;
    uint64_t idle_types_ = 0;  // armed_for() bits of the types it had workers free for
    OwnedWorker owned_[PLATFORM_MAX_WORKERS];
};

void Scheduler::abort_run(int status, uint64_t stall_ns) {
    TmLaunchBlock* b = v_.block;
    int expected = 0;
    // The first failure wins; pairs with the acquire loads of abort_status.
    if (b->abort_status.compare_exchange_strong(expected, status, std::memory_order_acq_rel)) {
        b->stall_ns.store(stall_ns, std::memory_order_relaxed);
        b->stopped_ns.store(pto_now_ns(), std::memory_order_release);
    }
    tm::ring_schedulers(v_);
    pto_doorbell_ring(&b->orchestrator_bell.bell);
}

void Scheduler::stop_workers() {
    Handshake* m = v_.mailboxes();
    slice_.for_each_worker([&](int w) {
        // Pairs with the worker's acquire load of control.
        m[w].sched.control.store(1, std::memory_order_release);
        pto_doorbell_ring(&m[w].sched.bell);
    });
}

void Scheduler::start_discovery() {
    Handshake* m = v_.mailboxes();
    slice_.for_each_worker([&](int w) {
        m[w].sched.owner_thread.store(slice_.thread_index, std::memory_order_relaxed);
        // Publishes owner_thread; pairs with the worker's acquire load of aicpu_ready.
        m[w].sched.aicpu_ready.store(1, std::memory_order_release);
        pto_doorbell_ring(&m[w].sched.bell);
    });
}

int Scheduler::check_answer(int w) {
    const WorkerLine& k = v_.mailboxes()[w].work;
    // Pairs with the worker's release store of aicore_done.
    if (k.aicore_done.load(std::memory_order_acquire) != static_cast<uint32_t>(w + 1)) return 0;
    if (k.core_type.load(std::memory_order_relaxed) != static_cast<int>(type_of(w))) {
        DEV_ERROR("worker %d reported core type %d, expected %s", w,
                  k.core_type.load(std::memory_order_relaxed), core_type_name(type_of(w)));
        return PTO_ERR_SCHEDULER;
    }
    owned_[w].answered = true;
    return 1;
}

void Scheduler::dispatch(int w, uint64_t id) {
    TaskSlot& s = v_.slot(id);
    OwnedWorker& o = owned_[w];
    o.trace.worker = w;
    o.trace.scheduler = slice_.thread_index;
    o.trace.dispatch_ns = pto_now_ns();
    s.state.store(static_cast<int32_t>(SlotState::kRunning), std::memory_order_relaxed);
    if (TaskRecord* r = tm::record_of(v_, s.seq)) {
        r->state.store(static_cast<int32_t>(SlotState::kRunning) + 1, std::memory_order_relaxed);
        r->worker = w;
        r->scheduler = slice_.thread_index;
    }
    SchedulerLine& line = v_.mailboxes()[w].sched;
    line.task.store(s.seq + 1, std::memory_order_relaxed);
    line.kernel.store(s.kernel, std::memory_order_relaxed);
    line.args.store(s.args, std::memory_order_relaxed);
    o.task = id + 1;
    o.seq += 1;
    // Publishes task/kernel/args; pairs with the worker's acquire load of dispatch_seq.
    line.dispatch_seq.store(o.seq, std::memory_order_release);
    pto_doorbell_ring(&line.bell);
}

int Scheduler::step(bool* progress_out) {
    TmLaunchBlock* b = v_.block;
    // Pairs with the orchestrator's release store of orchestration_done:
    // `submitted` is final once it reads 1.
    bool orchestration_done = b->orchestration_done.load(std::memory_order_acquire) != 0;
    bool may_dispatch = orchestration_done || b->serial == 0;
    bool progress = false;
    int faulted = -1, wrong = 0;
    uint64_t finished = 0, released = 0;
    uint64_t idle[2] = {0, 0};        // per core type: workers left without a task
    uint64_t dispatched[2] = {0, 0};  // per core type
    uint64_t now = 0;
    slice_.for_each_worker([&](int w) {
        if (faulted >= 0 || wrong != 0) return;
        OwnedWorker& o = owned_[w];
        if (!o.answered) {
            int answer = check_answer(w);
            if (answer < 0) wrong = answer;
            if (answer <= 0) return;
            progress = true;
        }
        if (o.task != 0) {
            const WorkerLine& k = v_.mailboxes()[w].work;
            // Pairs with the worker's release store of done_seq.
            if (k.done_seq.load(std::memory_order_acquire) != o.seq) return;
            if (k.fault_signal.load(std::memory_order_relaxed) != 0) {
                faulted = w;
                return;
            }
            if (now == 0) now = pto_now_ns();
            TaskSlot& s = v_.slot(o.task - 1);
            o.trace.start_ns = k.start_time.load(std::memory_order_relaxed);
            o.trace.end_ns = k.end_time.load(std::memory_order_relaxed);
            o.task = 0;
            released += static_cast<uint64_t>(tm::complete_task(v_, s, o.trace, now));
            ++finished;
            progress = true;
        }
        if (!may_dispatch) return;
        uint64_t next;
        if (v_.ready(static_cast<int>(type_of(w))).pop(&next)) {
            dispatch(w, next);
            ++dispatched[static_cast<int>(type_of(w))];
            progress = true;
        } else {
            ++idle[static_cast<int>(type_of(w))];
        }
    });
    *progress_out = progress;
    if (faulted >= 0) {
        abort_run(PTO_ERR_KERNEL_FAULT, 0);
        return PTO_ERR_KERNEL_FAULT;
    }
    if (wrong != 0) {
        abort_run(wrong, 0);
        return wrong;
    }
    uint64_t completed =
        finished == 0 ? b->completed.load(std::memory_order_acquire)
                      : b->completed.fetch_add(finished, std::memory_order_acq_rel) + finished;
    if (finished > 0) tm::wake_orchestrator(v_);
    if (orchestration_done && completed >= b->submitted.load(std::memory_order_acquire)) {
        tm::ring_schedulers(v_);
        return 1;
    }
    // Tasks this pass made ready: this thread takes them on its next pass
    // (it returns with progress), as many as it has workers free. Ready
    // tasks of a type it has no worker free for after a pass that released
    // or dispatched some go to an idle scheduler that has: more than this
    // thread could take (it may be the one rung for them), or of a type it
    // lacks. A chain wakes nobody else.
    idle_types_ = 0;
    for (int t = 0; t < 2; ++t) {
        if (idle[t] > 0) {
            idle_types_ |= tm::armed_for(t);
        } else if ((released > 0 || dispatched[t] > 0) && v_.ready(t).size() > 0) {
            tm::wake_idle_scheduler(v_, t, slice_.thread_index);
        }
    }
    return 0;
}

int Scheduler::run() {
    TmLaunchBlock* b = v_.block;
    IdleBackoff backoff(WaiterRole::kScheduler);
    uint64_t seen_completed = ~0ull;
    uint64_t since = pto_now_ns();
    // Armed while idle, with the core types it has workers free for: a task
    // of such a type made ready then may ring this thread's doorbell
    // (tm::wake_idle_scheduler); while it finds work, nobody needs to.
    std::atomic<uint64_t>& armed = b->scheduler_armed[slice_.thread_index].value;
    bool is_armed = false;
    for (;;) {
        // Sample the doorbell before looking (sample -> check -> wait).
        uint32_t bell_seq = bell_.seq.load(std::memory_order_seq_cst);
        if (b->abort_status.load(std::memory_order_acquire) != 0) return 0;
        bool progress = false;
        int rc = step(&progress);
        if (rc < 0) return rc;
        if (rc > 0) return 0;
        if (progress) {
            if (is_armed) {
                armed.store(0, std::memory_order_relaxed);
                is_armed = false;
            }
            backoff.reset();
            continue;
        }
        if (!is_armed) {
            // Arm, then sample and look again before waiting: the fence pairs
            // with wake_idle_scheduler's.
            armed.store(tm::kArmed | idle_types_, std::memory_order_relaxed);
            std::atomic_thread_fence(std::memory_order_seq_cst);
            is_armed = true;
            continue;
        }
        // Stall: tasks submitted and not completed, and none completing.
        uint64_t completed = b->completed.load(std::memory_order_acquire);
        bool may_dispatch =
            b->serial == 0 || b->orchestration_done.load(std::memory_order_acquire) != 0;
        uint64_t t = pto_now_ns();
        if (completed != seen_completed) {
            seen_completed = completed;
            since = t;
        } else if (may_dispatch && completed < b->submitted.load(std::memory_order_acquire) &&
                   t - since > b->timeout_ns) {
            abort_run(PTO_ERR_TIMEOUT, t - since);
            return PTO_ERR_TIMEOUT;
        }
        pto_idle_wait(&bell_, bell_seq, &backoff, kMaxParkNs);
    }
}

// The orchestrator's hook into a lone thread's scheduler.
bool step_scheduler(void* scheduler) {
    bool progress = false;
    int rc = static_cast<Scheduler*>(scheduler)->step(&progress);
    return progress || rc != 0;
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
    Scheduler scheduler(v, slice);
    scheduler.start_discovery();
    if (threads == 1) {
        // One thread does both: the orchestration, stepping this scheduler
        // while it waits; then the scheduler alone.
        Orchestrator orchestrator(v);
        orchestrator.set_scheduler_step(step_scheduler, &scheduler,
                                        &b->scheduler_bells[slice.thread_index].bell);
        status = orchestrator.run();
    }
    int run_status = scheduler.run();
    scheduler.stop_workers();
    if (status == 0) status = run_status;
    if (status == 0) status = b->abort_status.load(std::memory_order_acquire);
    return status;
}
