#include "aicore_executor.h"

#include <cstdint>
#include <cstdlib>

#include "aicore_qualifiers.h"
#include "idle_wait.h"
#include "kernel_call.h"
#include "runtime.h"
#include "time_source.h"

namespace {

// A worker has no deadline of its own: the scheduler bounds the run and, when
// it stops, writes control = 1 and rings. The slice only bounds one park.
constexpr uint64_t kMaxParkNs = 50'000'000;
// How long an idle worker keeps its core before parking (see IdleBackoff).
constexpr uint64_t kWorkerKeepCoreNs = 30'000;

uint64_t worker_keep_core_ns() {
    static const uint64_t value = [] {
        const char* text = std::getenv("PTO_SIM_WORKER_KEEP_NS");
        return text && *text ? std::strtoull(text, nullptr, 10) : kWorkerKeepCoreNs;
    }();
    return value;
}

// Waits for the worker's own mailbox; returns false when told to quit.
template <typename Ready>
bool wait_for(Handshake& h, Ready ready) {
    IdleBackoff backoff;
    backoff.keep_core_ns = worker_keep_core_ns();
    for (;;) {
        uint32_t seq = h.bell.seq.load(std::memory_order_seq_cst);
        if (h.control.load(std::memory_order_acquire) == 1) return false;
        if (ready()) return true;
        pto_idle_wait(&h.bell, seq, &backoff, kMaxParkNs);
    }
}

}  // namespace

void aicore_execute(Runtime* rt, int worker_id, CoreType core_type) {
    Handshake& h = rt->worker(worker_id);

    if (!wait_for(h, [&] { return h.aicpu_ready.load(std::memory_order_acquire) == 1; })) return;
    h.core_type.store(static_cast<int32_t>(core_type), std::memory_order_relaxed);
    h.aicore_done.store(static_cast<uint32_t>(worker_id + 1), std::memory_order_release);
    int owner = h.owner_thread.load(std::memory_order_relaxed);
    pto_doorbell_ring(&rt->scheduler_bell(owner));

    for (;;) {
        if (!wait_for(h, [&] { return h.task_status.load(std::memory_order_acquire) == 1; })) {
            return;
        }
        Task* t = reinterpret_cast<Task*>(h.task.load(std::memory_order_relaxed));
        t->start_time.store(pto_now_ns(), std::memory_order_relaxed);
        KernelFault fault;
        if (!pto_call_kernel(t->function_bin_addr, reinterpret_cast<int64_t*>(t->args), &fault)) {
            h.fault_pc.store(fault.pc, std::memory_order_relaxed);
            h.fault_address.store(fault.address, std::memory_order_relaxed);
            h.fault_signal.store(fault.signal, std::memory_order_relaxed);
        }
        t->end_time.store(pto_now_ns(), std::memory_order_relaxed);
        h.task_status.store(0, std::memory_order_release);
        pto_doorbell_ring(&rt->scheduler_bell(owner));
    }
}
