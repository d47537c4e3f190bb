// Whether a scheduler thread runs a unit it dispatches itself, on the
// worker's behalf (handshake.h, step 6), and the call that runs it.
//
// On the simulator every hand-off between threads costs a wake-up, and when
// other processes keep the host's cores busy each wake-up waits for a kernel
// scheduling slice: a chain of tasks then pays two per task. A scheduler
// that runs the units itself while the host is contended hands nothing off.
// On the device the AICPU cannot run AICore code: the platform says no.
#pragma once

#include <cstdint>

// The platform's state of one scheduler thread's decision (kept by the
// scheduler, so it costs no thread-local storage).
struct UnitHereWatch {
    uint64_t window_wall_ns = 0;  // start of the current measuring window
    uint64_t window_cpu_ns = 0;   // this thread's CPU time then
    bool here = false;            // the last decision
    uint32_t passes = 0;          // calls since contention was last looked at
};

// Called if a unit run here has not returned by its deadline: the platform
// stops the run on the stuck thread's behalf (the scheduling core passes
// its own stop).
using UnitHereTimeout = void (*)(void* context);

// True when the next units this thread dispatches should run on it. Cheap:
// a clock read, and a CPU-time read once per window.
bool pto_unit_here_wanted(UnitHereWatch* watch);

// The thread is about to wait: what it measured while running units no
// longer says whether the host is contended (idle time is not starvation).
void pto_unit_here_paused(UnitHereWatch* watch);

// Runs the unit just dispatched to `worker_id` with kRunHere on
// this thread. If it has not returned within `budget_ns`,
// `on_timeout(context)` is called from another thread and this thread is
// treated as one that never returns. Only called after
// pto_unit_here_wanted returned true.
void pto_run_unit_here(int worker_id, uint64_t budget_ns, UnitHereTimeout on_timeout,
                       void* context);
