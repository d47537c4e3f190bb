// The simulator's environment settings, read and checked by the host once
// per launch: a bad value fails the launch with a message naming it, instead
// of being read (or misread) inside the scheduler and worker threads.
//
//   PTO_SIM_SPIN_NS, PTO_SIM_SCHED_KEEP_NS, PTO_SIM_WORKER_KEEP_NS
//       idle timings in ns (see sim_idle_tuning.h); whole numbers up to 10 s
//   PTO_SIM_RUN_HERE
//       auto (default), always or never: whether a scheduler thread runs
//       single-core units itself (unit_here.h); auto while the host is busy
//   PTO_SIM_AFFINITY
//       auto (default) or off (see sim_thread_placement.h)
#pragma once

#include <cstddef>

#include "sim_idle_tuning.h"

struct SimSettings {
    SimIdleTuning idle = kDefaultSimIdleTuning;
    bool place_threads = true;
};

// 0, or PTO_ERR_BAD_LAUNCH_CONFIG with the offending variable named.
int sim_read_settings(SimSettings* out, char* message, size_t message_size);
