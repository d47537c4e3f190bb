// The per-worker handshake mailbox between an AICPU scheduler thread and one
// AICore worker. One mailbox per worker, on its own cache line.
//
// Protocol (who writes what, in order):
//   1. Discovery. The scheduler writes owner_thread, then aicpu_ready = 1.
//      The worker answers with core_type, then aicore_done = worker_id + 1.
//   2. Dispatch. The scheduler writes task (the Task address), then
//      task_status = 1 (release). The worker sees task_status == 1 (acquire)
//      and reads task.
//   3. Completion. The worker writes the Task's end stamp, then
//      task_status = 0 (release) and rings its owner's doorbell. The scheduler
//      sees task != 0 && task_status == 0 (acquire), clears task and treats
//      the task as complete.
//   4. Shutdown. The scheduler writes control = 1 and rings the worker's
//      doorbell; the worker leaves its loop.
//   A kernel that faults (simulator) is completed like any task, with
//   fault_signal, fault_pc and fault_address written before task_status = 0;
//   the scheduler then stops the run.
// A worker is idle when task == 0 && task_status == 0.
#pragma once

#include <atomic>
#include <cstdint>

#include "idle_wait.h"
#include "platform_limits.h"

struct alignas(PLATFORM_CACHE_LINE) Handshake {
    std::atomic<uint32_t> aicpu_ready{0};    // scheduler -> worker: start (discovery)
    std::atomic<uint32_t> aicore_done{0};    // worker -> scheduler: alive, worker_id + 1
    std::atomic<uint64_t> task{0};           // scheduler -> worker: Task address, 0 = none
    std::atomic<uint32_t> task_status{0};    // 1 busy (scheduler), 0 done (worker)
    std::atomic<uint32_t> control{0};        // scheduler -> worker: 1 = quit
    std::atomic<int32_t> core_type{-1};      // worker -> scheduler during discovery
    std::atomic<int32_t> owner_thread{-1};   // scheduler -> worker: whose doorbell to ring
    std::atomic<int32_t> fault_signal{0};    // worker: signal that stopped the kernel, 0 = none
    std::atomic<uint64_t> fault_pc{0};       // worker: faulting instruction
    std::atomic<uint64_t> fault_address{0};  // worker: faulting data address (SIGSEGV/SIGBUS)
    Doorbell bell;                           // rung when this worker has something to see
};

static_assert(sizeof(Handshake) % PLATFORM_CACHE_LINE == 0, "one mailbox per cache line");
