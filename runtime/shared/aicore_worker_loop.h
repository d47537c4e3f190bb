// The AICore worker loop every runtime of this tree uses: discovery, then
// run whatever the owning scheduler thread dispatches through the mailbox
// until told to quit (protocol in handshake.h). What a task's `args` point
// at is the runtime's business: the worker hands the address to the kernel.
// A worker touches its own mailbox only (and rings its owner's doorbell); it
// makes no library calls but the platform's clock, wait and kernel call.
#pragma once

#include <cstdint>

#include "aicore_qualifiers.h"
#include "core_type.h"
#include "device_cache.h"
#include "handshake.h"
#include "event_count.h"
#include "kernel_call.h"
#include "time_source.h"

namespace aicore_worker_detail {

// A worker has no deadline of its own: the scheduler bounds the run and, when
// it stops, writes control = 1 and rings. The slice only bounds one park.
constexpr uint64_t kMaxParkNs = 50'000'000;

// Waits until `ready` holds for the scheduler's line; false when told to quit.
// `backoff` is the worker's, kept across its waits (each starts afresh: the
// platform's own state in it, such as the simulator's CPU-time window, lasts).
template <typename Ready>
inline bool wait_for(SchedulerLine& s, IdleBackoff& backoff, Ready ready) {
    pto_cancel_wait(&backoff);
    for (;;) {
        const WaitKey key = s.bell.prepare_wait();
        pto_cache_invalidate_line(&s);
        // Pairs with the scheduler's (or the host's) release store of control.
        if (s.control.load(std::memory_order_acquire) == 1) return false;
        if (ready()) return true;
        pto_commit_wait(&s.bell, key, &backoff, kMaxParkNs);
    }
}

// Steps 3-4 of the handshake for the dispatch numbered `seq`: run the unit
// in the mailbox and publish its completion (the caller rings the owner).
// The worker calls it for its dispatches; on the simulator a scheduler
// thread calls it for the units it runs itself (step 6).
inline void run_dispatched_unit(SchedulerLine& s, WorkerLine& k, uint32_t seq) {
    uint64_t kernel = s.kernel.load(std::memory_order_relaxed);
    auto* args = reinterpret_cast<int64_t*>(s.args.load(std::memory_order_relaxed));
    // The arguments (and the descriptors after them) are rewritten in
    // place within one launch on the device: drop stale cached copies.
    pto_cache_invalidate_range(args, s.args_bytes.load(std::memory_order_relaxed));
    k.start_time.store(pto_now_ns(), std::memory_order_relaxed);
    // Publishes start_time for diagnostics (a kernel that never returns).
    k.started_seq.store(seq, std::memory_order_release);
    pto_cache_write_back_line(&k);

    KernelFault fault;
    if (!pto_call_kernel(kernel, args, &fault)) {
        k.fault_pc.store(fault.pc, std::memory_order_relaxed);
        k.fault_address.store(fault.address, std::memory_order_relaxed);
        k.fault_access.store(fault.access, std::memory_order_relaxed);
        k.fault_signal.store(fault.signal, std::memory_order_relaxed);
    }
    // Completion is published only once the kernel's writes have landed:
    // a consumer dispatched on it reads them.
    pto_wait_for_kernel_writes();
    k.end_time.store(pto_now_ns(), std::memory_order_relaxed);
    // Publishes end_time and the fault fields; pairs with the scheduler's
    // acquire load of done_seq.
    k.done_seq.store(seq, std::memory_order_release);
    pto_cache_write_back_line(&k);
}

}  // namespace aicore_worker_detail

// `h` is this worker's mailbox, `scheduler_bells` the launch's doorbells of
// its scheduler threads (the owner is told during discovery).
inline void run_aicore_worker(Handshake* h, PaddedDoorbell* scheduler_bells, int worker_id,
                              CoreType core_type) {
    using aicore_worker_detail::run_dispatched_unit;
    using aicore_worker_detail::wait_for;
    SchedulerLine& s = h->sched;
    WorkerLine& k = h->work;

    IdleBackoff backoff(WaiterRole::kWorker);
    if (!wait_for(s, backoff, [&] { return s.aicpu_ready.load(std::memory_order_acquire) == 1; }))
        return;
    int owner = s.owner_thread.load(std::memory_order_relaxed);
    EventCount* owner_bell = &scheduler_bells[owner].bell;
    k.core_type.store(static_cast<int32_t>(core_type), std::memory_order_relaxed);
    // Publishes core_type; pairs with the scheduler's acquire load of aicore_done.
    k.aicore_done.store(static_cast<uint32_t>(worker_id + 1), std::memory_order_release);
    pto_cache_write_back_line(&k);
    pto_notify(owner_bell);

    uint32_t seen = 0;
    for (;;) {
        if (!wait_for(s, backoff,
                      [&] { return s.dispatch_seq.load(std::memory_order_acquire) != seen; })) {
            return;
        }
        // Acquire pairs with the scheduler's release store of dispatch_seq,
        // which published kernel and args.
        seen = s.dispatch_seq.load(std::memory_order_acquire);
        if ((seen & kDispatchRunHere) != 0) continue;  // the scheduler runs it (step 6)
        run_dispatched_unit(s, k, seen);
        pto_notify(owner_bell);
    }
}

// Step 6: the unit the owning scheduler thread has just dispatched with
// kDispatchRunHere, run on that thread (simulator only). Its completion is
// found by that thread's next pass, so nobody is rung.
inline void run_aicore_unit_here(Handshake* h) {
    // Pairs with the scheduler's release store of dispatch_seq (the same
    // thread here; kept so the unit reads its words as a worker does).
    const uint32_t seq = h->sched.dispatch_seq.load(std::memory_order_acquire);
    aicore_worker_detail::run_dispatched_unit(h->sched, h->work, seq);
}
