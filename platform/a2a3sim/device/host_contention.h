// Whether the host's cores are busy with other processes, as the waiters
// of this device process find out (event_count.cpp: a yield that comes back
// late). Pinning the simulator's threads helps an idle host and traps them
// on a busy one: a waiter that finds contention unpins its own thread
// (through pto_sim_contended, exported to the runtime objects, found with
// dlsym), and a launch starting soon after one is not pinned at all.
#pragma once

#include <sched.h>

#include <cstdint>

// The CPUs a launch's threads may use (its SimPlacement::allowed): where an
// unpinned thread goes, and whether a waiter may unpin itself at all
// (PTO_SIM_AFFINITY=pinned says no). Set by each launch before its threads
// start.
void host_contention_set_allowed(const cpu_set_t& allowed, bool unpin_allowed);
// Whether a waiter reported contention within the last `window_ns`.
bool host_contention_recent(uint64_t window_ns);

// Called by a waiter on the thread that found contention: that thread runs
// anywhere in the allowed CPUs from now on, and the time is kept.
extern "C" void pto_sim_contended();
