// The per-worker handshake mailbox between an AICPU scheduler thread and one
// AICore worker: two cache lines, each written by one side only. On the
// device AICore writes its line back and invalidates the other before
// reading (no coherence with the AICPU); a line written by both sides would
// let a write-back put stale copies of the other side's fields over newer
// ones. On the simulator every field is a std::atomic.
//
// Protocol (who writes what, in order):
//   1. Discovery. The scheduler writes owner_thread, then aicpu_ready = 1.
//      The worker answers with core_type, then aicore_done = worker_id + 1.
//   2. Dispatch. The scheduler writes task (task id + 1), kernel (entry
//      address), args (address of the task's arguments) and args_bytes
//      (the bytes from args the kernel reads through them: the argument
//      words and, for a runtime that passes descriptors, the descriptors
//      laid out after them), then bumps dispatch_seq (release). A worker
//      whose done_seq differs from dispatch_seq is busy.
//   3. Run. The worker sees dispatch_seq move (acquire), invalidates its
//      cache over [args, args + args_bytes) (on the device those bytes are
//      rewritten within one launch, in ring memory), writes start_time, then
//      started_seq = dispatch_seq, and calls the kernel.
//   4. Completion. The worker waits for the kernel's outstanding writes
//      (on the device a full pipe barrier: a consumer never starts before
//      the producer's last transfer lands), writes end_time (and, for a
//      kernel that faulted on the simulator, fault_signal/pc/address), then
//      done_seq = dispatch_seq (release), and rings its owner's doorbell.
//      The scheduler sees done_seq catch up (acquire) and completes the task.
//   5. Shutdown. The scheduler writes control = 1 and rings the worker's
//      doorbell; the worker leaves its loop.
//   6. Run here (simulator only). A dispatch_seq with kDispatchRunHere set
//      is a unit the scheduler thread runs itself, on the worker's behalf:
//      it writes the worker's line as steps 3-4 do (the worker is idle and
//      writes nothing meanwhile). The worker takes the new value as seen
//      and runs nothing. The device's AICPU cannot run AICore code and
//      never sets the bit (unit_here.h).
// A worker is idle when done_seq == dispatch_seq.
#pragma once

#include <atomic>
#include <cstdint>

#include "event_count.h"
#include "platform_limits.h"

// dispatch_seq's top bit: the scheduler runs this unit itself (step 6).
// The count is in the low 31 bits, so consecutive values always differ.
constexpr uint32_t kDispatchRunHere = 0x80000000u;

// Written by the scheduler thread that owns the worker (and by the host when
// it stops a launch); read by the worker.
struct alignas(PLATFORM_CACHE_LINE) SchedulerLine {
    std::atomic<uint32_t> aicpu_ready;   // 1: start (discovery)
    std::atomic<uint32_t> control;       // 1: quit
    std::atomic<int32_t> owner_thread;   // whose doorbell the worker rings
    std::atomic<uint32_t> dispatch_seq;  // bumped per dispatch; publishes the fields below
    std::atomic<uint64_t> task;          // task id + 1 of the last dispatch, 0 = none yet
    std::atomic<uint64_t> kernel;        // kernel entry address
    std::atomic<uint64_t> args;          // address of the task's arguments
    std::atomic<uint32_t> args_bytes;    // bytes the kernel reads from args (see step 2)
    // Rung when this line changed. On the simulator the waiting worker also
    // writes the bell's sleeper count (only there: the device polls and
    // never parks, so its worker writes nothing on this line).
    EventCount bell;
};

// Written by the worker; read by the scheduler and, after a run, the host.
struct alignas(PLATFORM_CACHE_LINE) WorkerLine {
    std::atomic<uint32_t> aicore_done;    // worker_id + 1: alive (discovery)
    std::atomic<int32_t> core_type;       // what the worker is (discovery)
    std::atomic<uint32_t> started_seq;    // dispatch_seq of the task it entered
    std::atomic<uint32_t> done_seq;       // dispatch_seq of the task it finished
    std::atomic<uint64_t> start_time;     // ns, the entered task's kernel started
    std::atomic<uint64_t> end_time;       // ns, the finished task's kernel returned
    std::atomic<int32_t> fault_signal;    // signal that stopped the kernel, 0 = none
    std::atomic<int32_t> fault_access;    // KernelFaultAccess of the faulting instruction
    std::atomic<uint64_t> fault_pc;       // faulting instruction
    std::atomic<uint64_t> fault_address;  // faulting data address (SIGSEGV/SIGBUS)
};

struct Handshake {
    SchedulerLine sched;
    WorkerLine work;
};

// A doorbell on a cache line of its own (one per scheduler thread).
struct alignas(PLATFORM_CACHE_LINE) PaddedDoorbell {
    EventCount bell;
};

static_assert(sizeof(SchedulerLine) == PLATFORM_CACHE_LINE, "one line per side");
static_assert(sizeof(WorkerLine) == PLATFORM_CACHE_LINE, "one line per side");
