// host_build_graph's scheduling policy over the shared core
// (runtime/shared/scheduler_core.h): where ready tasks come from (the graph
// image's roots, then tasks whose last predecessor completed) and what
// completing a task releases (its successors, counted in their TaskRun).
// A header so that a runtime built on this one's graph (its host side and
// layouts) can wrap it in a policy of its own and run it with
// run_graph_scheduler.
//
// Shared state and who touches it:
//   - TaskRun.preds_done: counted up by whichever thread completes a
//     predecessor; the thread that brings it to the fanin queues the task.
//   - ready queues: any thread pushes, any thread pops (lock-free).
//   - completed_tasks: every thread adds; all threads stop when it reaches
//     the task count.
//   - abort_status: the first failure (a thread's, or the host's), which
//     stops every thread.
// The graph image is read-only; mailboxes are the core's (handshake.h).
#pragma once

#include <cstdint>

#include "device_log.h"
#include "launch_block.h"
#include "pto_status.h"
#include "scheduler_core.h"
#include "scheduler_slice.h"
#include "time_source.h"

class GraphPolicy {
public:
    explicit GraphPolicy(const LaunchView& v) : v_(v) {}
    using Core = SchedulerCore<GraphPolicy>;

    bool may_dispatch() const { return true; }

    bool pop_ready(CoreType type, uint64_t* token) const {
        int32_t id = v_.ready_queue(type).pop();
        if (id < 0) return false;
        *token = static_cast<uint64_t>(id);
        return true;
    }

    DispatchWords prepare_dispatch(const Dispatch& d) const {
        const int32_t id = static_cast<int32_t>(d.token);
        const GraphTask& g = v_.graph.tasks[id];
        TaskRun& run = v_.runs[id];
        prefetch_next(static_cast<CoreType>(g.core_type));
        run.worker = d.worker + 1;
        run.scheduler = d.scheduler + 1;
        run.dispatch_time = d.dispatch_ns;
        run.state.store(static_cast<int32_t>(TaskState::kRunning), std::memory_order_relaxed);
        DEV_DEBUG("dispatch task %d (kernel slot %u) to worker %d", id, g.kernel_slot, d.worker);
        return DispatchWords{d.token + 1, v_.kernels[g.kernel_slot],
                             reinterpret_cast<uint64_t>(v_.graph.args + g.args_begin),
                             static_cast<uint32_t>(g.num_args * sizeof(uint64_t))};
    }

    // One kernel per task, on one core.
    void dispatch_pass(Core& core, PassResult&) const { core.dispatch_singles(); }

    // Records the finished task and releases its successors; returns how
    // many became ready.
    int complete(const Completion& c, uint64_t now, bool* task_done) const {
        *task_done = true;
        const int32_t id = static_cast<int32_t>(c.token);
        TaskRun& run = v_.runs[id];
        run.start_time = c.start_ns;
        run.end_time = c.end_ns;
        run.state.store(static_cast<int32_t>(TaskState::kDone), std::memory_order_relaxed);
        DEV_DEBUG("task %d done on worker %d", id, c.worker);
        const GraphTask& g = v_.graph.tasks[id];
        const uint32_t* succ = v_.graph.successors + g.successor_begin;
        int released = 0;
        for (uint32_t i = 0; i < g.fanout; ++i) {
            uint32_t s = succ[i];
            const GraphTask& sg = v_.graph.tasks[s];
            TaskRun& next = v_.runs[s];
            // acq_rel: the thread that completes the count must see every
            // predecessor's completion before it publishes the task as ready.
            if (next.preds_done.fetch_add(1, std::memory_order_acq_rel) + 1 == sg.fanin) {
                next.state.store(static_cast<int32_t>(TaskState::kReady),
                                 std::memory_order_relaxed);
                next.ready_time = now;
                v_.ready_queue(static_cast<CoreType>(sg.core_type)).push(static_cast<int32_t>(s));
                ++released;
            }
        }
        return released;
    }

    uint64_t add_completed(uint64_t n) const {
        std::atomic<int32_t>& done = v_.block->completed_tasks;
        if (n == 0) return static_cast<uint64_t>(done.load(std::memory_order_acquire));
        const int32_t add = static_cast<int32_t>(n);
        return static_cast<uint64_t>(done.fetch_add(add, std::memory_order_acq_rel) + add);
    }
    bool all_done(uint64_t completed) const { return completed >= v_.block->task_count; }
    bool outstanding(uint64_t) const { return true; }
    uint64_t progress_mark(uint64_t completed) const { return completed; }
    uint64_t timeout_ns() const { return v_.block->timeout_ns; }

    LaunchStopFields stop_fields() const {
        return LaunchStopFields{v_.block->abort_status, v_.block->stall_ns, v_.block->stopped_ns};
    }
    void ring_all() const {
        for (int i = 0; i < v_.block->aicpu_thread_num; ++i) {
            pto_notify(&v_.scheduler_bell(i));
        }
    }
    void ring_others(int self) const {
        for (int i = 0; i < v_.block->aicpu_thread_num; ++i) {
            if (i != self) pto_notify(&v_.scheduler_bell(i));
        }
    }

    // Tasks this pass released go to this thread's own idle workers first;
    // the other schedulers are woken only for what is left.
    void after_pass(Core& core, const PassResult& r) const {
        if (r.released == 0) return;
        core.dispatch_singles();
        if (v_.ready_queue(CoreType::AIC).size() > 0 || v_.ready_queue(CoreType::AIV).size() > 0) {
            ring_others(core.thread_index());
        }
    }
    // Every scheduler polls the queues before it waits and is rung by whoever
    // leaves work for it: nothing to announce.
    bool arm(int, uint64_t) const { return false; }
    void disarm(int) const {}

private:
    // Starts loading the task the queue will most likely hand out next: in
    // large graphs it has not been touched since the launch was prepared and
    // is a cache miss on the dispatch path otherwise.
    void prefetch_next(CoreType type) const {
        int32_t id = v_.ready_queue(type).head_hint();
        if (id < 0) return;
        __builtin_prefetch(&v_.graph.tasks[id], 0);
        __builtin_prefetch(&v_.runs[id], 1);
    }

    const LaunchView& v_;
};

// The body of aicpu_execute for a policy over this runtime's launch block:
// claims a thread index, runs the shared core over the thread's slice of
// workers with the policy `make_policy(view, index)` returns, stops the
// workers. 0 or the status the run stopped with.
template <typename MakePolicy>
int run_graph_scheduler(void* launch_block, MakePolicy make_policy) {
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

    auto policy = make_policy(v, index);
    typename decltype(policy)::Core core(policy, slice, v.mailboxes, b->block_dim,
                                         v.scheduler_bell(index));
    core.start_discovery();
    int status = b->task_count > 0 ? core.run() : 0;
    core.stop_workers();
    if (status == 0) status = b->abort_status.load(std::memory_order_acquire);
    return status;
}
