// What the host says about a launch that went wrong, read from the Runtime
// once the schedulers have returned: the stall report and the faulting task.
#include <cstdio>
#include <string>
#include <vector>

#include "runtime.h"
#include "runtime_host_interface.h"
#include "time_source.h"

namespace {

constexpr int kMaxListed = 16;

std::string kernel_label(int func_id, KernelNameLookup names) {
    const char* name = names ? names(func_id) : nullptr;
    std::string label = "func_id " + std::to_string(func_id);
    if (name != nullptr && *name != '\0') label += " (" + std::string(name) + ")";
    return label;
}

const char* worker_kind(const Runtime& rt, int w) {
    return w < rt.block_dim() ? "AIC" : "AIV";
}

int worker_index_in_kind(const Runtime& rt, int w) {
    return w < rt.block_dim() ? w : w - rt.block_dim();
}

}  // namespace

void runtime_host_report_stall(void* memory, KernelNameLookup names) {
    auto& rt = *static_cast<Runtime*>(memory);
    int total = rt.get_task_count();
    int done = rt.completed_tasks.load(std::memory_order_acquire);
    double stalled = rt.stall_ns.load(std::memory_order_acquire) / 1e9;
    uint64_t now = pto_now_ns();
    std::fprintf(stderr, "[pto] no task completed for %.1f s: %d of %d tasks done; run stopped\n",
                 stalled, done, total);

    int ready_aic = 0, ready_aiv = 0;
    for (int i = 0; i < total; ++i) {
        Task& t = rt.task(i);
        if (t.state.load(std::memory_order_relaxed) != static_cast<int32_t>(TaskState::kReady))
            continue;
        (t.core_type == CoreType::AIC ? ready_aic : ready_aiv)++;
    }
    std::fprintf(stderr, "[pto] ready, waiting for a worker: %d AIC task(s), %d AIV task(s)\n",
                 ready_aic, ready_aiv);

    int busy = 0;
    for (int w = 0; w < rt.worker_count(); ++w) {
        Handshake& h = rt.worker(w);
        uint64_t address = h.task.load(std::memory_order_acquire);
        if (address == 0 || h.task_status.load(std::memory_order_acquire) != 1) continue;
        ++busy;
        const Task& t = *reinterpret_cast<const Task*>(address);
        uint64_t started = t.start_time.load(std::memory_order_relaxed);
        double ran = started ? (now - started) / 1e9 : 0.0;
        std::fprintf(stderr, "[pto]   busy: worker %d (%s %d) runs task %d, %s, for %.1f s%s\n", w,
                     worker_kind(rt, w), worker_index_in_kind(rt, w), t.task_id,
                     kernel_label(t.func_id, names).c_str(), ran,
                     started ? "" : " (not yet started by the worker)");
    }

    std::vector<std::vector<int>> preds(static_cast<size_t>(total));
    for (uint32_t e = 0; e < rt.edge_count(); ++e) {
        preds[static_cast<size_t>(rt.edge_to(e))].push_back(rt.edge_from(e));
    }
    int waiting = 0;
    for (int i = 0; i < total; ++i) {
        Task& t = rt.task(i);
        if (t.state.load(std::memory_order_relaxed) != static_cast<int32_t>(TaskState::kPending))
            continue;
        if (++waiting > kMaxListed) continue;
        std::string on;
        for (int p : preds[static_cast<size_t>(i)]) {
            if (rt.task(p).state.load(std::memory_order_relaxed) ==
                static_cast<int32_t>(TaskState::kDone))
                continue;
            if (!on.empty()) on += ", ";
            on += std::to_string(p);
        }
        std::fprintf(stderr, "[pto]   waiting: task %d, %s, on task(s) %s\n", i,
                     kernel_label(t.func_id, names).c_str(), on.c_str());
    }
    if (waiting > kMaxListed)
        std::fprintf(stderr, "[pto]   ... and %d more waiting tasks\n", waiting - kMaxListed);

    if (busy > 0) {
        std::fprintf(stderr,
                     "[pto] diagnosis: hung kernel: %d worker(s) inside a kernel that has "
                     "not returned\n",
                     busy);
    } else if (waiting > 0 || ready_aic + ready_aiv > 0) {
        std::fprintf(stderr,
                     "[pto] diagnosis: deadlock: no worker is busy, yet %d task(s) cannot "
                     "proceed\n",
                     waiting + ready_aic + ready_aiv);
    } else {
        std::fprintf(stderr, "[pto] diagnosis: scheduler stall: workers idle and nothing waits\n");
    }
}

bool runtime_host_find_fault(void* memory, KernelFaultRecord* record) {
    auto& rt = *static_cast<Runtime*>(memory);
    for (int w = 0; w < rt.worker_count(); ++w) {
        Handshake& h = rt.worker(w);
        int sig = h.fault_signal.load(std::memory_order_acquire);
        uint64_t address = h.task.load(std::memory_order_acquire);
        if (sig == 0 || address == 0) continue;
        const Task& t = *reinterpret_cast<const Task*>(address);
        *record = KernelFaultRecord{t.task_id,
                                    t.func_id,
                                    w,
                                    sig,
                                    h.fault_pc.load(std::memory_order_relaxed),
                                    h.fault_address.load(std::memory_order_relaxed)};
        return true;
    }
    return false;
}
