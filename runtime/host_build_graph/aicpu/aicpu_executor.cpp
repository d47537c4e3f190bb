// The AICPU scheduler. aicpu_execute() is entered by every scheduler thread of
// a launch; each claims a thread index, starts core discovery on its slice of
// workers, and dispatches ready tasks to them until every task of the graph
// has completed. A worker gets tasks from the moment it has answered
// discovery (with the core type its position implies): a small graph does
// not wait for every worker to have been scheduled once before it starts,
// and a worker that never answers shows in the stall report.
//
// Shared state and who touches it:
//   - a worker's SchedulerLine: written only by the worker's owner thread;
//     its WorkerLine only by the worker.
//   - TaskRun.preds_done: counted up by whichever thread completes a
//     predecessor; the thread that brings it to the fanin queues the task.
//   - ready queues: any thread pushes, any thread pops (lock-free).
//   - completed_tasks: every thread adds; all threads stop when it reaches
//     the task count.
//   - abort_status: the first failure (a thread's, or the host's), which
//     stops every thread.
// The graph image is read-only.
#include <cstdint>

#include "aicpu_entry.h"
#include "device_log.h"
#include "export.h"
#include "idle_wait.h"
#include "launch_block.h"
#include "pto_status.h"
#include "scheduler_slice.h"
#include "time_source.h"

namespace {

// Longest single park; the timeout is re-checked at least this often.
constexpr uint64_t kMaxParkNs = 50'000'000;

// What this scheduler thread knows about one of its workers: kept in its
// own memory, so finding finished work reads only the workers' lines.
struct OwnedWorker {
    bool answered = false;  // answered core discovery
    int32_t task = -1;      // running task, -1 when idle
    uint32_t seq = 0;       // dispatch_seq of the last dispatch
};

class Scheduler {
public:
    Scheduler(const LaunchView& v, const SchedulerSlice& slice)
        : v_(v), slice_(slice), bell_(v.scheduler_bell(slice.thread_index)) {}

    void start_discovery();
    int run();
    void stop_workers();
    void abort_run(int status, uint64_t stall_ns);

private:
    void dispatch(int w, int32_t task_id);
    bool complete(int w, uint64_t now);
    void prefetch_next(CoreType type);
    int check_answer(int w);
    void ring_other_schedulers();
    bool dispatch_to_idle_workers();

    const LaunchView& v_;
    const SchedulerSlice& slice_;
    Doorbell& bell_;
    OwnedWorker owned_[PLATFORM_MAX_WORKERS];
};

// Tracks how long the whole run has gone without a completion, from this
// thread's point of view, without reading the clock on the hot path.
class StallWatch {
public:
    explicit StallWatch(const LaunchBlock* b) : b_(b), since_ns_(pto_now_ns()) {}

    // True once the bound is exceeded; `idle_ns` says by how long.
    bool expired(uint64_t* idle_ns) {
        int done = b_->completed_tasks.load(std::memory_order_acquire);
        uint64_t now = pto_now_ns();
        if (done != seen_) {
            seen_ = done;
            since_ns_ = now;
            return false;
        }
        *idle_ns = now - since_ns_;
        return *idle_ns > b_->timeout_ns;
    }

    uint64_t remaining_ns() const {
        uint64_t idle = pto_now_ns() - since_ns_;
        return idle >= b_->timeout_ns ? 0 : b_->timeout_ns - idle;
    }

private:
    const LaunchBlock* b_;
    int seen_ = -1;
    uint64_t since_ns_;
};

void Scheduler::ring_other_schedulers() {
    for (int i = 0; i < v_.block->aicpu_thread_num; ++i) {
        if (i != slice_.thread_index) pto_doorbell_ring(&v_.scheduler_bell(i));
    }
}

void Scheduler::abort_run(int status, uint64_t stall_ns) {
    int expected = 0;
    // The first failure wins; its stamps go with it. Pairs with the acquire
    // loads of abort_status in every scheduler loop and on the host.
    if (v_.block->abort_status.compare_exchange_strong(expected, status,
                                                       std::memory_order_acq_rel)) {
        v_.block->stall_ns.store(stall_ns, std::memory_order_relaxed);
        v_.block->stopped_ns.store(pto_now_ns(), std::memory_order_release);
    }
    for (int i = 0; i < v_.block->aicpu_thread_num; ++i) pto_doorbell_ring(&v_.scheduler_bell(i));
}

void Scheduler::stop_workers() {
    slice_.for_each_worker([&](int w) {
        SchedulerLine& s = v_.mailboxes[w].sched;
        // Pairs with the worker's acquire load of control in its wait loop.
        s.control.store(1, std::memory_order_release);
        pto_doorbell_ring(&s.bell);
    });
}

// Core discovery: tells every worker of the slice to start; run() takes each
// one into service once it answered.
void Scheduler::start_discovery() {
    slice_.for_each_worker([&](int w) {
        SchedulerLine& s = v_.mailboxes[w].sched;
        s.owner_thread.store(slice_.thread_index, std::memory_order_relaxed);
        // Publishes owner_thread; pairs with the worker's acquire load of aicpu_ready.
        s.aicpu_ready.store(1, std::memory_order_release);
        pto_doorbell_ring(&s.bell);
    });
}

// 1 when worker `w` has answered discovery with the core type its position
// implies, 0 when it has not answered yet, PTO_ERR_SCHEDULER when it is the
// wrong kind of core.
int Scheduler::check_answer(int w) {
    const WorkerLine& k = v_.mailboxes[w].work;
    // Pairs with the worker's release store of aicore_done (core_type before it).
    if (k.aicore_done.load(std::memory_order_acquire) != static_cast<uint32_t>(w + 1)) return 0;
    int reported = k.core_type.load(std::memory_order_relaxed);
    if (reported != static_cast<int>(v_.worker_core_type(w))) {
        DEV_ERROR("worker %d reported core type %d, expected %s", w, reported,
                  core_type_name(v_.worker_core_type(w)));
        return PTO_ERR_SCHEDULER;
    }
    owned_[w].answered = true;
    return 1;
}

// Starts loading the task the queue will most likely hand out next: in large
// graphs it has not been touched since the launch was prepared and is a
// cache miss on the dispatch path otherwise.
void Scheduler::prefetch_next(CoreType type) {
    int32_t id = v_.ready_queue(type).head_hint();
    if (id < 0) return;
    __builtin_prefetch(&v_.graph.tasks[id], 0);
    __builtin_prefetch(&v_.runs[id], 1);
}

void Scheduler::dispatch(int w, int32_t task_id) {
    const GraphTask& g = v_.graph.tasks[task_id];
    TaskRun& run = v_.runs[task_id];
    prefetch_next(static_cast<CoreType>(g.core_type));
    run.worker = w + 1;
    run.scheduler = slice_.thread_index + 1;
    run.dispatch_time = pto_now_ns();
    run.state.store(static_cast<int32_t>(TaskState::kRunning), std::memory_order_relaxed);
    DEV_DEBUG("dispatch task %d (kernel slot %u) to worker %d", task_id, g.kernel_slot, w);

    SchedulerLine& s = v_.mailboxes[w].sched;
    OwnedWorker& o = owned_[w];
    s.task.store(static_cast<uint64_t>(task_id) + 1, std::memory_order_relaxed);
    s.kernel.store(v_.kernels[g.kernel_slot], std::memory_order_relaxed);
    s.args.store(reinterpret_cast<uint64_t>(v_.graph.args + g.args_begin),
                 std::memory_order_relaxed);
    o.task = task_id;
    o.seq += 1;
    // Publishes task/kernel/args; pairs with the worker's acquire load of
    // dispatch_seq.
    s.dispatch_seq.store(o.seq, std::memory_order_release);
    pto_doorbell_ring(&s.bell);
}

// Completes the task worker `w` finished and releases its successors.
// Returns true if any became ready.
bool Scheduler::complete(int w, uint64_t now) {
    OwnedWorker& o = owned_[w];
    const WorkerLine& k = v_.mailboxes[w].work;
    int32_t id = o.task;
    o.task = -1;
    TaskRun& run = v_.runs[id];
    run.start_time = k.start_time.load(std::memory_order_relaxed);
    run.end_time = k.end_time.load(std::memory_order_relaxed);
    run.state.store(static_cast<int32_t>(TaskState::kDone), std::memory_order_relaxed);
    DEV_DEBUG("task %d done on worker %d", id, w);

    const GraphTask& g = v_.graph.tasks[id];
    const uint32_t* succ = v_.graph.successors + g.successor_begin;
    bool released = false;
    for (uint32_t i = 0; i < g.fanout; ++i) {
        uint32_t s = succ[i];
        const GraphTask& sg = v_.graph.tasks[s];
        TaskRun& next = v_.runs[s];
        // acq_rel: the thread that completes the count must see every
        // predecessor's completion before it publishes the task as ready.
        if (next.preds_done.fetch_add(1, std::memory_order_acq_rel) + 1 == sg.fanin) {
            next.state.store(static_cast<int32_t>(TaskState::kReady), std::memory_order_relaxed);
            next.ready_time = now;
            v_.ready_queue(static_cast<CoreType>(sg.core_type)).push(static_cast<int32_t>(s));
            released = true;
        }
    }
    return released;
}

// Hands ready tasks to this thread's idle workers; true if any was handed.
bool Scheduler::dispatch_to_idle_workers() {
    bool any = false;
    slice_.for_each_worker([&](int w) {
        if (!owned_[w].answered || owned_[w].task >= 0) return;
        int32_t next = v_.ready_queue(v_.worker_core_type(w)).pop();
        if (next >= 0) {
            dispatch(w, next);
            any = true;
        }
    });
    return any;
}

int Scheduler::run() {
    LaunchBlock* b = v_.block;
    const int total = static_cast<int>(b->task_count);
    IdleBackoff backoff(WaiterRole::kScheduler);
    StallWatch watch(b);

    for (;;) {
        // Sample the doorbell before looking: a change after this point rings
        // it, so the idle wait below cannot sleep through it, an abort
        // included.
        uint32_t seq = bell_.seq.load(std::memory_order_seq_cst);
        if (b->abort_status.load(std::memory_order_acquire) != 0) return 0;
        bool progress = false;
        bool released = false;
        int faulted = -1;
        int finished = 0;

        int wrong_core = 0;
        uint64_t now = 0;  // read once per scan, only if something completed
        slice_.for_each_worker([&](int w) {
            if (faulted >= 0 || wrong_core != 0) return;
            OwnedWorker& o = owned_[w];
            if (!o.answered) {
                int answer = check_answer(w);
                if (answer < 0) wrong_core = answer;
                if (answer <= 0) return;
                progress = true;
            }
            if (o.task >= 0) {
                const WorkerLine& k = v_.mailboxes[w].work;
                // Pairs with the worker's release store of done_seq: its
                // stamps and fault fields are visible once it matches.
                if (k.done_seq.load(std::memory_order_acquire) != o.seq) return;  // busy
                if (k.fault_signal.load(std::memory_order_relaxed) != 0) {
                    faulted = w;  // the host reads the mailbox to report it
                    return;
                }
                if (now == 0) now = pto_now_ns();
                released |= complete(w, now);
                ++finished;
                progress = true;
            }
            int32_t next = v_.ready_queue(v_.worker_core_type(w)).pop();
            if (next >= 0) {
                dispatch(w, next);
                progress = true;
            }
        });

        if (faulted >= 0) {
            abort_run(PTO_ERR_KERNEL_FAULT, 0);
            return PTO_ERR_KERNEL_FAULT;
        }
        if (wrong_core != 0) {
            abort_run(wrong_core, 0);
            return wrong_core;
        }
        int done =
            finished == 0
                ? b->completed_tasks.load(std::memory_order_acquire)
                : b->completed_tasks.fetch_add(finished, std::memory_order_acq_rel) + finished;
        if (done >= total) {
            ring_other_schedulers();
            return 0;
        }
        if (released) {
            // Hand released tasks to this thread's own idle workers first;
            // wake the other schedulers only for what is left.
            dispatch_to_idle_workers();
            if (v_.ready_queue(CoreType::AIC).size() > 0 ||
                v_.ready_queue(CoreType::AIV).size() > 0) {
                ring_other_schedulers();
            }
        }
        if (progress) {
            backoff.reset();
            continue;
        }

        uint64_t idle_ns = 0;
        if (watch.expired(&idle_ns)) {
            // The host describes the stall once every thread has returned.
            abort_run(PTO_ERR_TIMEOUT, idle_ns);
            return PTO_ERR_TIMEOUT;
        }
        uint64_t left = watch.remaining_ns();
        pto_idle_wait(&bell_, seq, &backoff, left < kMaxParkNs ? left + 1 : kMaxParkNs);
    }
}

}  // namespace

extern "C" PTO_EXPORT int aicpu_execute(void* launch_block) {
    auto* b = static_cast<LaunchBlock*>(launch_block);
    if (b == nullptr || b->magic != kLaunchBlockMagic) {
        DEV_ERROR("aicpu_execute: the argument is not a launch block of this runtime");
        return PTO_ERR_NOT_INITIALIZED;
    }
    const LaunchView v = LaunchView::of(launch_block);
    int threads = b->aicpu_thread_num;
    int index = b->next_scheduler_thread.fetch_add(1, std::memory_order_acq_rel);
    if (index >= threads) {
        DEV_ERROR("aicpu_execute: entered by %d threads, the launch was prepared for %d", index + 1,
                  threads);
        return PTO_ERR_SCHEDULER;
    }
    uint64_t unset = 0;
    b->start_ns.compare_exchange_strong(unset, pto_now_ns(), std::memory_order_acq_rel);
    SchedulerSlice slice = SchedulerSlice::of(index, threads, b->block_dim);

    DEV_INFO("scheduler thread %d: AIC workers %d..%d, AIV workers %d..%d", index, slice.aic_begin,
             slice.aic_end - 1, slice.aiv_begin, slice.aiv_end - 1);

    Scheduler scheduler(v, slice);
    scheduler.start_discovery();
    int status = b->task_count > 0 ? scheduler.run() : 0;
    scheduler.stop_workers();
    if (status == 0) status = b->abort_status.load(std::memory_order_acquire);
    return status;
}
