// The simulator's idle timings, set by the host before each launch in every
// object that waits (sim_set_idle_tuning, exported by the AICPU and AICore
// objects) and read by pto_commit_wait. Atomics: a launch on another thread
// may set them while this one's threads wait (the values are the same).
#pragma once

#include <atomic>
#include <cstdint>

// Whether schedulers run units themselves (unit_here.h): while the host is
// contended, always, or never.
enum class SimRunHere : uint64_t { kAuto = 0, kAlways = 1, kNever = 2 };

struct SimIdleTuning {
    uint64_t spin_ns;            // pause-spin this long after becoming idle
    uint64_t scheduler_keep_ns;  // then yield, up to this long in all, before parking
    uint64_t worker_keep_ns;
    SimRunHere run_here;
};

// Defaults chosen by sweeping them with `make bench` (docs/guide/benchmarking.md).
constexpr SimIdleTuning kDefaultSimIdleTuning{300, 200'000, 30'000, SimRunHere::kAuto};

void sim_idle_tuning_store(const SimIdleTuning& tuning);
SimIdleTuning sim_idle_tuning_load();
// True while this object's waiters find the host's cores busy with other
// processes (a yield came back late): they park after the spin, no yields.
bool sim_idle_contended();
// The launch's SimRunHere (read per pass by the schedulers: one load).
SimRunHere sim_run_here_mode();
