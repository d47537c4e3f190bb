// The per-worker handshake mailbox between an AICPU scheduler thread and one
// AICore worker: four cache lines, each written by one side only. On the
// device AICore writes its lines back and invalidates the others before
// reading (no coherence with the AICPU); a line written by both sides would
// let a write-back put stale copies of the other side's fields over newer
// ones. On the simulator every field is a std::atomic.
//
// Units of work are numbered per worker from 1 (wrapping at 2^32). Unit s
// goes in dispatch slot s & 1, so the scheduler can hand a worker its next
// unit while it runs the current one (at most two outstanding).
//
// Protocol (who writes what, in order):
//   1. Discovery. The scheduler writes owner_thread, then aicpu_ready = 1.
//      The worker answers with core_type, then aicore_done = worker_id + 1.
//   2. Dispatch. For unit s, once the worker's done_seq has reached s - 2
//      (that slot's last unit is finished), the scheduler writes the slot's
//      task (task id + 1), kernel (entry address), args (address of the
//      task's arguments) and args_bytes (the bytes from args the kernel
//      reads through them: the argument words and, for a runtime that
//      passes descriptors, the descriptors laid out after them), then
//      seq = s (release), and rings the worker's bell. A worker whose
//      done_seq is behind the newest slot seq is busy.
//   3. Run. The worker, having finished unit s - 1, waits for slot s & 1's
//      seq to reach s (acquire), invalidates its cache over
//      [args, args + args_bytes) (on the device those bytes are rewritten
//      within one launch, in ring memory), writes start_time[s & 1], then
//      started_seq = s, and calls the kernel.
//   4. Completion. The worker waits for the kernel's outstanding writes
//      (on the device a full pipe barrier: a consumer never starts before
//      the producer's last transfer lands), writes end_time[s & 1] (and, for
//      a kernel that faulted on the simulator, the fault line and
//      fault_signal), then done_seq = s (release), and rings its owner's
//      doorbell; after a fault it takes no more units. The scheduler sees
//      done_seq move (acquire) and completes every unit up to it, in order.
//   5. Shutdown. The scheduler writes control = 1 and rings the worker's
//      bell; the worker leaves its loop.
//   6. Run here (simulator only). A slot whose args_bytes has kRunHere set
//      is a unit the scheduler thread runs itself, on the worker's behalf,
//      dispatched only to an idle worker: the scheduler writes the worker's
//      lines as steps 3-4 do (the worker is idle and writes nothing
//      meanwhile), and does not ring the worker. A worker that comes to
//      such a unit, finds its slot already reused by a newer one, or sees
//      done_seq already at it, skips it. The scheduler's release fence
//      before it writes a slot, paired with the worker's acquire fence
//      after reading one, makes a slot rewritten under a lagging worker
//      show as that done_seq. The device's AICPU cannot run AICore code and
//      never sets the bit (unit_here.h).
// A worker is idle when done_seq equals the newest slot seq.
#pragma once

#include <atomic>
#include <cstdint>

#include "event_count.h"
#include "platform_limits.h"

// args_bytes's top bit: the scheduler runs this unit itself (step 6).
constexpr uint32_t kRunHere = 0x80000000u;

// Whether unit number `seq` is `want` or newer (numbers wrap).
inline bool unit_reached(uint32_t seq, uint32_t want) {
    return static_cast<int32_t>(seq - want) >= 0;
}

// Written by the scheduler thread that owns the worker (and by the host when
// it stops a launch); read by the worker.
struct alignas(PLATFORM_CACHE_LINE) SchedulerLine {
    std::atomic<uint32_t> aicpu_ready;  // 1: start (discovery)
    std::atomic<uint32_t> control;      // 1: quit
    std::atomic<int32_t> owner_thread;  // whose doorbell the worker rings
    // Rung when this line or the dispatch line changed. On the simulator
    // the waiting worker also writes the bell's sleeper count (only there:
    // the device polls and never parks, so its worker writes nothing here).
    EventCount bell;
};

// One unit of work handed to the worker (step 2).
struct DispatchSlot {
    std::atomic<uint32_t> seq;         // the unit number; publishes the words below
    std::atomic<uint32_t> args_bytes;  // bytes the kernel reads from args; kRunHere
    std::atomic<uint64_t> task;        // task id + 1 (for diagnostics)
    std::atomic<uint64_t> kernel;      // kernel entry address
    std::atomic<uint64_t> args;        // address of the task's arguments
};

// Written by the scheduler; read by the worker and, after a run, the host.
struct alignas(PLATFORM_CACHE_LINE) DispatchLine {
    DispatchSlot slot[2];  // unit s in slot s & 1
};

// Written by the worker; read by the scheduler and, after a run, the host.
struct alignas(PLATFORM_CACHE_LINE) WorkerLine {
    std::atomic<uint32_t> aicore_done;   // worker_id + 1: alive (discovery)
    std::atomic<int32_t> core_type;      // what the worker is (discovery)
    std::atomic<uint32_t> started_seq;   // the unit it entered last
    std::atomic<uint32_t> done_seq;      // the unit it finished last
    std::atomic<int32_t> fault_signal;   // signal that stopped the kernel, 0 = none
    std::atomic<int32_t> fault_access;   // KernelFaultAccess of the faulting instruction
    std::atomic<uint64_t> start_time[2];  // ns, unit s's kernel started (index s & 1)
    std::atomic<uint64_t> end_time[2];    // ns, unit s's kernel returned
};

// Written by the worker when a kernel faults (simulator); read by the host.
struct alignas(PLATFORM_CACHE_LINE) FaultLine {
    std::atomic<uint64_t> pc;       // faulting instruction
    std::atomic<uint64_t> address;  // faulting data address (SIGSEGV/SIGBUS)
};

struct Handshake {
    SchedulerLine sched;
    DispatchLine dispatch;
    WorkerLine work;
    FaultLine fault;
};

// A doorbell on a cache line of its own (one per scheduler thread).
struct alignas(PLATFORM_CACHE_LINE) PaddedDoorbell {
    EventCount bell;
};

static_assert(sizeof(SchedulerLine) == PLATFORM_CACHE_LINE, "one line per side");
static_assert(sizeof(DispatchLine) == PLATFORM_CACHE_LINE, "two slots in one line");
static_assert(sizeof(WorkerLine) == PLATFORM_CACHE_LINE, "one line per side");
static_assert(sizeof(FaultLine) == PLATFORM_CACHE_LINE, "one line per side");

// What the host reads of a mailbox after a run (stall reports, records).
// A unit dispatched and not finished: the one running, and the one queued
// behind it.
struct OutstandingUnit {
    uint64_t task;        // task id + 1
    bool started;         // the worker entered its kernel
    uint64_t start_time;  // ns, when it did
    int slot;             // its dispatch slot
};

// The worker's outstanding units, oldest first; returns how many (0-2).
inline int mailbox_outstanding(const Handshake& h, OutstandingUnit out[2]) {
    const uint32_t done = h.work.done_seq.load(std::memory_order_acquire);
    const uint32_t started = h.work.started_seq.load(std::memory_order_acquire);
    int n = 0;
    for (uint32_t u = done + 1; n < 2; ++u) {
        const DispatchSlot& s = h.dispatch.slot[u & 1];
        if (s.seq.load(std::memory_order_acquire) != u) break;
        const bool entered = started == u;
        out[n++] = OutstandingUnit{s.task.load(std::memory_order_relaxed), entered,
                                   entered ? h.work.start_time[u & 1].load(std::memory_order_relaxed)
                                           : 0,
                                   static_cast<int>(u & 1)};
    }
    return n;
}

// The unit whose kernel faulted (the worker takes no more after a fault):
// its task word (task id + 1) and kernel entry; false when none faulted.
inline bool mailbox_faulted_unit(const Handshake& h, uint64_t* task, uint64_t* kernel) {
    if (h.work.fault_signal.load(std::memory_order_acquire) == 0) return false;
    const uint32_t u = h.work.done_seq.load(std::memory_order_acquire);
    const DispatchSlot& s = h.dispatch.slot[u & 1];
    *task = s.task.load(std::memory_order_relaxed);
    *kernel = s.kernel.load(std::memory_order_relaxed);
    return true;
}
