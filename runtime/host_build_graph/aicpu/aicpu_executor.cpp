// The AICPU scheduler. aicpu_execute() is entered by every scheduler thread;
// each claims a thread index, discovers its slice of workers, then dispatches
// ready tasks to them until every task in the graph has completed.
//
// Shared state and who touches it:
//   - Handshake.task of a worker: written only by the worker's owner thread.
//   - Task.remaining_fanin: decremented by whichever thread completes a
//     predecessor; the thread that takes it to 0 enqueues the task.
//   - ready queues: any thread pushes, any thread pops (lock-free).
//   - completed_tasks: every thread adds; all threads stop when it reaches
//     the task count.
#include <cstdint>
#include <cstdlib>

#include "device_log.h"
#include "idle_wait.h"
#include "pto_status.h"
#include "runtime.h"
#include "scheduler_slice.h"
#include "time_source.h"

namespace {

// Longest single park; the timeout is re-checked at least this often.
constexpr uint64_t kMaxParkNs = 50'000'000;

// How long an idle scheduler keeps its core before parking (IdleBackoff);
// PTO_SIM_SCHED_KEEP_NS overrides it for tuning.
uint64_t scheduler_keep_core_ns() {
    static const uint64_t value = [] {
        const char* text = std::getenv("PTO_SIM_SCHED_KEEP_NS");
        return text && *text ? std::strtoull(text, nullptr, 10) : uint64_t{200'000};
    }();
    return value;
}

CoreType expected_core_type(const Runtime* rt, int worker) {
    return worker < rt->block_dim() ? CoreType::AIC : CoreType::AIV;
}

void ring_other_schedulers(Runtime* rt, int self) {
    for (int i = 0; i < rt->aicpu_thread_num(); ++i) {
        if (i != self) pto_doorbell_ring(&rt->scheduler_bell(i));
    }
}

// Tracks how long the whole run has gone without a completion, from this
// thread's point of view, without reading the clock on the hot path.
class StallWatch {
public:
    explicit StallWatch(Runtime* rt) : rt_(rt), seen_(-1), since_ns_(pto_now_ns()) {}

    // Returns the seconds without progress if the bound has been exceeded.
    bool expired(double* seconds) {
        int done = rt_->completed_tasks.load(std::memory_order_acquire);
        uint64_t now = pto_now_ns();
        if (done != seen_) {
            seen_ = done;
            since_ns_ = now;
            return false;
        }
        uint64_t idle = now - since_ns_;
        *seconds = idle / 1e9;
        return idle > rt_->timeout_ns();
    }

    uint64_t remaining_ns() const {
        uint64_t idle = pto_now_ns() - since_ns_;
        return idle >= rt_->timeout_ns() ? 0 : rt_->timeout_ns() - idle;
    }

private:
    Runtime* rt_;
    int seen_;
    uint64_t since_ns_;
};

void abort_run(Runtime* rt, int status) {
    int expected = 0;
    rt->abort_status.compare_exchange_strong(expected, status, std::memory_order_acq_rel);
    for (int i = 0; i < rt->aicpu_thread_num(); ++i) pto_doorbell_ring(&rt->scheduler_bell(i));
}

void stop_workers(Runtime* rt, const SchedulerSlice& slice) {
    slice.for_each_worker([&](int w) {
        Handshake& h = rt->worker(w);
        h.control.store(1, std::memory_order_release);
        pto_doorbell_ring(&h.bell);
    });
}

// Core discovery: start every worker of the slice and wait until each one
// reported itself alive with the core type its position implies.
int discover_workers(Runtime* rt, const SchedulerSlice& slice) {
    Doorbell& bell = rt->scheduler_bell(slice.thread_index);
    slice.for_each_worker([&](int w) {
        Handshake& h = rt->worker(w);
        h.owner_thread.store(slice.thread_index, std::memory_order_relaxed);
        h.aicpu_ready.store(1, std::memory_order_release);
        pto_doorbell_ring(&h.bell);
    });

    IdleBackoff backoff;
    uint64_t start = pto_now_ns();
    for (;;) {
        uint32_t seq = bell.seq.load(std::memory_order_seq_cst);
        int missing = -1;
        int status = 0;
        slice.for_each_worker([&](int w) {
            Handshake& h = rt->worker(w);
            if (missing >= 0 || status != 0) return;
            if (h.aicore_done.load(std::memory_order_acquire) != static_cast<uint32_t>(w + 1)) {
                missing = w;
                return;
            }
            int reported = h.core_type.load(std::memory_order_relaxed);
            if (reported != static_cast<int>(expected_core_type(rt, w))) {
                DEV_ERROR("worker %d reported core type %d, expected %s", w, reported,
                          core_type_name(expected_core_type(rt, w)));
                status = PTO_ERR_SCHEDULER;
            }
        });
        if (status != 0) return status;
        if (missing < 0) return 0;
        if (rt->abort_status.load(std::memory_order_acquire) != 0) return 0;
        uint64_t waited = pto_now_ns() - start;
        if (waited > rt->timeout_ns()) {
            DEV_ERROR("scheduler thread %d: worker %d did not answer core discovery within %.1f s",
                      slice.thread_index, missing, waited / 1e9);
            return PTO_ERR_TIMEOUT;
        }
        uint64_t left = rt->timeout_ns() - waited;
        pto_idle_wait(&bell, seq, &backoff, left < kMaxParkNs ? left : kMaxParkNs);
    }
}

// Starts loading the task the queue will most likely hand out next: in large
// graphs it has not been touched since prepare_launch and is a cache miss on
// the dispatch path otherwise.
void prefetch_next(Runtime* rt, CoreType type) {
    int32_t id = rt->ready_queue(type).head_hint();
    if (id < 0) return;
    const char* task = reinterpret_cast<const char*>(&rt->task(id));
    for (size_t line = 0; line < sizeof(Task); line += PLATFORM_CACHE_LINE)
        __builtin_prefetch(task + line, 1);
}

void dispatch(Runtime* rt, Handshake& h, int worker, int32_t task_id, int thread) {
    Task& t = rt->task(task_id);
    prefetch_next(rt, t.core_type);
    t.worker_id = worker;
    t.scheduler_thread = thread;
    t.dispatch_time = pto_now_ns();
    t.state.store(static_cast<int32_t>(TaskState::kRunning), std::memory_order_relaxed);
    DEV_DEBUG("dispatch task %d (func_id %d) to worker %d", task_id, t.func_id, worker);
    h.task.store(reinterpret_cast<uint64_t>(&t), std::memory_order_relaxed);
    h.task_status.store(1, std::memory_order_release);
    pto_doorbell_ring(&h.bell);
}

// Releases the successors of a completed task. Returns true if any became ready.
bool complete(Runtime* rt, Task& t, uint64_t now) {
    DEV_DEBUG("task %d (func_id %d) done on worker %d", t.task_id, t.func_id, t.worker_id);
    t.state.store(static_cast<int32_t>(TaskState::kDone), std::memory_order_relaxed);
    bool released = false;
    const int32_t* succ = rt->successors_of(t);
    for (int i = 0; i < t.fanout_count; ++i) {
        Task& s = rt->task(succ[i]);
        // acq_rel: the thread that takes fanin to 0 must see every
        // predecessor's completion before it publishes the task as ready.
        if (s.remaining_fanin.fetch_sub(1, std::memory_order_acq_rel) == 1) {
            s.state.store(static_cast<int32_t>(TaskState::kReady), std::memory_order_relaxed);
            s.ready_time = now;
            rt->ready_queue(s.core_type).push(s.task_id);
            released = true;
        }
    }
    return released;
}

int run_dispatch_loop(Runtime* rt, const SchedulerSlice& slice) {
    const int total = rt->get_task_count();
    Doorbell& bell = rt->scheduler_bell(slice.thread_index);
    IdleBackoff backoff;
    backoff.keep_core_ns = scheduler_keep_core_ns();
    StallWatch watch(rt);

    for (;;) {
        if (rt->abort_status.load(std::memory_order_acquire) != 0) return 0;
        // Sample the doorbell before looking: a change after this point rings
        // it, so the idle wait below cannot sleep through it.
        uint32_t seq = bell.seq.load(std::memory_order_seq_cst);
        bool progress = false;
        bool released = false;
        bool faulted = false;
        int finished = 0;

        uint64_t now = 0;  // read once per scan, only if something completed
        slice.for_each_worker([&](int w) {
            Handshake& h = rt->worker(w);
            if (faulted) return;
            if (h.task.load(std::memory_order_relaxed) != 0) {
                if (h.task_status.load(std::memory_order_acquire) != 0) return;  // busy
                if (h.fault_signal.load(std::memory_order_relaxed) != 0) {
                    // Leave task set: the host reads it to report the fault.
                    faulted = true;
                    return;
                }
                Task& t = *reinterpret_cast<Task*>(h.task.load(std::memory_order_relaxed));
                h.task.store(0, std::memory_order_relaxed);
                if (now == 0) now = pto_now_ns();
                released |= complete(rt, t, now);
                ++finished;
                progress = true;
            }
            int32_t next = rt->ready_queue(expected_core_type(rt, w)).pop();
            if (next >= 0) {
                dispatch(rt, h, w, next, slice.thread_index);
                progress = true;
            }
        });

        if (faulted) {
            abort_run(rt, PTO_ERR_KERNEL_FAULT);
            return PTO_ERR_KERNEL_FAULT;
        }
        int done =
            finished == 0
                ? rt->completed_tasks.load(std::memory_order_acquire)
                : rt->completed_tasks.fetch_add(finished, std::memory_order_acq_rel) + finished;
        if (done >= total) {
            ring_other_schedulers(rt, slice.thread_index);
            return 0;
        }
        if (released) {
            // Hand released tasks to this thread's own idle workers first;
            // wake the other schedulers only for what is left.
            slice.for_each_worker([&](int w) {
                Handshake& h = rt->worker(w);
                if (h.task.load(std::memory_order_relaxed) != 0) return;
                int32_t next = rt->ready_queue(expected_core_type(rt, w)).pop();
                if (next >= 0) dispatch(rt, h, w, next, slice.thread_index);
            });
            if (rt->ready_queue(CoreType::AIC).size() > 0 ||
                rt->ready_queue(CoreType::AIV).size() > 0) {
                ring_other_schedulers(rt, slice.thread_index);
            }
        }
        if (progress) {
            backoff.reset();
            continue;
        }

        double stalled = 0;
        if (watch.expired(&stalled)) {
            // The host describes the stall once every thread has returned.
            rt->stall_ns.store(static_cast<uint64_t>(stalled * 1e9), std::memory_order_relaxed);
            abort_run(rt, PTO_ERR_TIMEOUT);
            return PTO_ERR_TIMEOUT;
        }
        uint64_t left = watch.remaining_ns();
        pto_idle_wait(&bell, seq, &backoff, left < kMaxParkNs ? left + 1 : kMaxParkNs);
    }
}

}  // namespace

extern "C" int aicpu_execute(Runtime* rt) {
    if (rt == nullptr || !rt->is_constructed()) {
        DEV_ERROR("aicpu_execute: runtime pointer is not an initialised Runtime");
        return PTO_ERR_NOT_INITIALIZED;
    }
    int threads = rt->aicpu_thread_num();
    int index = rt->next_scheduler_thread.fetch_add(1, std::memory_order_acq_rel);
    if (index >= threads) {
        DEV_ERROR("aicpu_execute: entered by %d threads, the runtime was launched for %d",
                  index + 1, threads);
        return PTO_ERR_SCHEDULER;
    }
    SchedulerSlice slice = SchedulerSlice::of(index, threads, rt->block_dim());

    DEV_INFO("scheduler thread %d: AIC workers %d..%d, AIV workers %d..%d", index, slice.aic_begin,
             slice.aic_end - 1, slice.aiv_begin, slice.aiv_end - 1);

    int status = discover_workers(rt, slice);
    if (status != 0) {
        abort_run(rt, status);
    } else if (rt->get_task_count() > 0) {
        status = run_dispatch_loop(rt, slice);
    }
    stop_workers(rt, slice);
    if (status == 0) status = rt->abort_status.load(std::memory_order_acquire);
    return status;
}
