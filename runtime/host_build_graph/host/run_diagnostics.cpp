// What the host says about a launch that went wrong, read from the launch
// block once the schedulers have returned: the stall report, the faulting
// task, the tasks still on their workers. Times come from the device's own
// stamps (the moment the run was stopped, not the host's clock).
#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "host_launch.h"

namespace {

constexpr int kMaxListed = 16;

std::string kernel_label(int func_id, KernelNameLookup names) {
    const char* name = names ? names(func_id) : nullptr;
    std::string label = "func_id " + std::to_string(func_id);
    if (name != nullptr && *name != '\0') label += " (" + std::string(name) + ")";
    return label;
}

}  // namespace

int HostLaunch::running_tasks(RunningTask* out, int capacity) const {
    const LaunchBlock& b = *view_.block;
    uint64_t stopped = b.stopped_ns.load(std::memory_order_acquire);
    int n = 0;
    for (uint32_t w = 0; w < b.worker_count; ++w) {
        OutstandingUnit units[2];
        const int count = mailbox_outstanding(view_.mailboxes[w], units);
        for (int i = 0; i < count && n < capacity; ++i) {
            const OutstandingUnit& u = units[i];
            if (u.task == 0) continue;
            auto task = static_cast<uint32_t>(u.task - 1);
            out[n++] = RunningTask{static_cast<int>(task), view_.graph.func_id(task),
                                   static_cast<int>(w), u.started,
                                   u.started && stopped > u.start_time ? stopped - u.start_time : 0,
                                   u.slot};
        }
    }
    return n;
}

void HostLaunch::report_stall(FILE* out, KernelNameLookup names) const {
    const LaunchBlock& b = *view_.block;
    const uint32_t total = b.task_count;
    std::fprintf(out, "[pto] no task completed for %.1f s: %d of %u tasks done; run stopped\n",
                 stalled_seconds(), b.completed_tasks.load(std::memory_order_acquire), total);

    std::vector<TaskRecordView> records(total);
    int ready[2] = {0, 0};
    for (uint32_t i = 0; i < total; ++i) {
        records[i] = record(i);
        if (records[i].state == static_cast<int32_t>(TaskState::kReady))
            ++ready[records[i].core_type];
    }
    std::fprintf(out, "[pto] ready, waiting for a worker: %d AIC task(s), %d AIV task(s)\n",
                 ready[0], ready[1]);
    const int busy = report_busy(out, names);
    const int silent = report_silent(out);
    const int waiting = report_waiting(out, names, records);
    report_diagnosis(out, busy, silent, waiting, ready[0] + ready[1]);
}

// Workers inside a kernel (and units queued behind them); returns how
// many workers are inside one, or, if none is, how many have units.
int HostLaunch::report_busy(FILE* out, KernelNameLookup names) const {
    const LaunchBlock& b = *view_.block;
    std::vector<RunningTask> running(2 * static_cast<size_t>(b.worker_count));
    const int units = running_tasks(running.data(), static_cast<int>(running.size()));
    int inside = 0;
    for (int i = 0; i < units; ++i) {
        const RunningTask& r = running[static_cast<size_t>(i)];
        inside += r.started;
        bool aic = r.worker_id < b.block_dim;
        std::fprintf(out, "[pto]   busy: worker %d (%s %d) runs task %d, %s, for %.1f s%s\n",
                     r.worker_id, aic ? "AIC" : "AIV",
                     aic ? r.worker_id : r.worker_id - b.block_dim, r.task_id,
                     kernel_label(r.func_id, names).c_str(), r.running_ns / 1e9,
                     r.started ? "" : " (not yet started by the worker)");
    }
    return inside > 0 ? inside : units;
}

// Workers whose thread never answered core discovery (never ran at all);
// returns how many.
int HostLaunch::report_silent(FILE* out) const {
    const LaunchBlock& b = *view_.block;
    int silent = 0;
    for (uint32_t w = 0; w < b.worker_count; ++w) {
        if (view_.mailboxes[w].work.aicore_done.load(std::memory_order_acquire) == w + 1) continue;
        bool aic = static_cast<int>(w) < b.block_dim;
        if (++silent <= kMaxListed) {
            std::fprintf(out, "[pto]   silent: worker %u (%s %d) never answered core discovery\n",
                         w, aic ? "AIC" : "AIV",
                         aic ? static_cast<int>(w) : static_cast<int>(w) - b.block_dim);
        }
    }
    return silent;
}

// Tasks not yet ready, with the unfinished predecessors each waits on (from
// the successor lists); returns how many wait.
int HostLaunch::report_waiting(FILE* out, KernelNameLookup names,
                               const std::vector<TaskRecordView>& records) const {
    const uint32_t total = view_.block->task_count;
    std::vector<std::vector<uint32_t>> preds(total);
    bool any_waiting = false;
    for (uint32_t i = 0; i < total; ++i) {
        any_waiting |= records[i].state == static_cast<int32_t>(TaskState::kWaiting);
    }
    if (any_waiting) {
        for (uint32_t t = 0; t < total; ++t) {
            const GraphTask& g = view_.graph.tasks[t];
            for (uint32_t k = 0; k < g.fanout; ++k) {
                uint32_t s = view_.graph.successors[g.successor_begin + k];
                if (records[s].state == static_cast<int32_t>(TaskState::kWaiting)) {
                    preds[s].push_back(t);
                }
            }
        }
    }
    int waiting = 0;
    for (uint32_t i = 0; i < total; ++i) {
        if (records[i].state != static_cast<int32_t>(TaskState::kWaiting)) continue;
        if (++waiting > kMaxListed) continue;
        std::string on;
        for (uint32_t p : preds[i]) {
            if (records[p].state == static_cast<int32_t>(TaskState::kDone)) continue;
            if (!on.empty()) on += ", ";
            on += std::to_string(p);
        }
        std::fprintf(out, "[pto]   waiting: task %u, %s, on task(s) %s\n", i,
                     kernel_label(records[i].func_id, names).c_str(), on.c_str());
    }
    if (waiting > kMaxListed)
        std::fprintf(out, "[pto]   ... and %d more waiting tasks\n", waiting - kMaxListed);
    return waiting;
}

void HostLaunch::report_diagnosis(FILE* out, int busy, int silent, int waiting, int ready) const {
    if (busy == 0 && silent > 0 && ready > 0) {
        std::fprintf(out,
                     "[pto] diagnosis: workers did not start: %d worker(s) never answered core "
                     "discovery, and %d ready task(s) wait for a worker\n",
                     silent, ready);
    } else if (busy > 0) {
        std::fprintf(out,
                     "[pto] diagnosis: hung kernel: %d worker(s) inside a kernel that has not "
                     "returned\n",
                     busy);
    } else if (waiting > 0 || ready > 0) {
        std::fprintf(out,
                     "[pto] diagnosis: deadlock: no worker is busy, yet %d task(s) cannot "
                     "proceed\n",
                     waiting + ready);
    } else {
        std::fprintf(out, "[pto] diagnosis: scheduler stall: workers idle and nothing waits\n");
    }
}

bool HostLaunch::find_fault(KernelFaultRecord* record) const {
    const LaunchBlock& b = *view_.block;
    for (uint32_t w = 0; w < b.worker_count; ++w) {
        const Handshake& h = view_.mailboxes[w];
        uint64_t task = 0, kernel = 0;
        if (!mailbox_faulted_unit(h, &task, &kernel) || task == 0) continue;
        auto id = static_cast<uint32_t>(task - 1);
        *record = KernelFaultRecord{static_cast<int>(id),
                                    view_.graph.func_id(id),
                                    static_cast<int>(w),
                                    h.work.fault_signal.load(std::memory_order_acquire),
                                    h.fault.pc.load(std::memory_order_relaxed),
                                    h.fault.address.load(std::memory_order_relaxed),
                                    kernel};
        record->access = h.work.fault_access.load(std::memory_order_relaxed);
        return true;
    }
    return false;
}
