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

// A dispatch slot's words, as read once.
struct UnitWords {
    uint64_t kernel;
    uint64_t args;
    uint32_t args_bytes;  // with kRunHere
};

inline UnitWords read_words(const DispatchSlot& slot) {
    return UnitWords{slot.kernel.load(std::memory_order_relaxed),
                     slot.args.load(std::memory_order_relaxed),
                     slot.args_bytes.load(std::memory_order_relaxed)};
}

// Steps 3-4 of the handshake for unit `seq`: run it and publish its
// completion (the caller rings the owner). The worker calls it for its
// units; on the simulator a scheduler thread calls it for the units it runs
// itself (step 6).
inline void run_dispatched_unit(const UnitWords& w, WorkerLine& k, FaultLine& f, uint32_t seq) {
    const uint64_t kernel = w.kernel;
    auto* args = reinterpret_cast<int64_t*>(w.args);
    // The arguments (and the descriptors after them) are rewritten in
    // place within one launch on the device: drop stale cached copies.
    pto_cache_invalidate_range(args, w.args_bytes & ~kRunHere);
    k.start_time[seq & 1].store(pto_now_ns(), std::memory_order_relaxed);
    // Publishes start_time for diagnostics (a kernel that never returns).
    k.started_seq.store(seq, std::memory_order_release);
    pto_cache_write_back_line(&k);

    KernelFault fault;
    if (!pto_call_kernel(kernel, args, &fault)) {
        f.pc.store(fault.pc, std::memory_order_relaxed);
        f.address.store(fault.address, std::memory_order_relaxed);
        pto_cache_write_back_line(&f);
        k.fault_access.store(fault.access, std::memory_order_relaxed);
        k.fault_signal.store(fault.signal, std::memory_order_relaxed);
    }
    // Completion is published only once the kernel's writes have landed:
    // a consumer dispatched on it reads them.
    pto_wait_for_kernel_writes();
    k.end_time[seq & 1].store(pto_now_ns(), std::memory_order_relaxed);
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
    using aicore_worker_detail::read_words;
    using aicore_worker_detail::run_dispatched_unit;
    using aicore_worker_detail::UnitWords;
    using aicore_worker_detail::wait_for;
    SchedulerLine& s = h->sched;
    DispatchLine& d = h->dispatch;
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

    uint32_t next = 1;  // the unit this worker runs next
    for (;;) {
        DispatchSlot& slot = d.slot[next & 1];
        uint32_t seq = 0;
        // A unit queued behind the one just finished is there already: the
        // first look finds it, with no wait.
        if (!wait_for(s, backoff, [&] {
                pto_cache_invalidate_line(&d);
                // Pairs with the scheduler's release store of the slot's seq,
                // which published its words.
                seq = slot.seq.load(std::memory_order_acquire);
                return unit_reached(seq, next);
            })) {
            return;
        }
        if (seq != next) {
            // The slot holds a newer unit: `next` was run by the scheduler
            // (step 6), and so was every unit before seq - 1.
            next = unit_reached(seq - 1, next + 1) ? seq - 1 : next + 1;
            continue;
        }
        const UnitWords words = read_words(slot);
        // A unit the scheduler runs itself moves done_seq without this
        // worker, and its slot may be rewritten while the words above were
        // read. Pairs with the scheduler's release fence before it writes a
        // slot: words read from a rewrite mean done_seq is seen to have
        // reached `next` here, and the unit is skipped.
        std::atomic_thread_fence(std::memory_order_acquire);
        if ((words.args_bytes & kRunHere) != 0 ||
            unit_reached(k.done_seq.load(std::memory_order_relaxed), next)) {
            ++next;  // the scheduler runs it, or ran it (step 6)
            continue;
        }
        run_dispatched_unit(words, k, h->fault, next);
        pto_notify(owner_bell);
        // A kernel that faulted stops the run: no more units, until told to quit.
        if (k.fault_signal.load(std::memory_order_relaxed) != 0) {
            wait_for(s, backoff, [&] { return false; });
            return;
        }
        ++next;
    }
}

// Step 6: the unit the owning scheduler thread has just dispatched to an
// idle worker for itself to run (simulator only), run on that thread. Its
// completion is found by that thread's next pass, so nobody is rung.
inline void run_aicore_unit_here(Handshake* h) {
    // The worker is idle: the unit is the one after its last.
    const uint32_t seq = h->work.done_seq.load(std::memory_order_acquire) + 1;
    const auto words = aicore_worker_detail::read_words(h->dispatch.slot[seq & 1]);
    aicore_worker_detail::run_dispatched_unit(words, h->work, h->fault, seq);
}
