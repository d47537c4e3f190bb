// Stopping a launch: the first failure (a scheduler's, the orchestrator's,
// the host's) wins, with its stamps; every loop of the launch checks the
// status before it looks for work and returns when it is set.
#pragma once

#include <atomic>
#include <cstdint>

#include "time_source.h"

// The three fields every runtime's launch block keeps for it.
struct LaunchStopFields {
    std::atomic<int32_t>& status;
    std::atomic<uint64_t>& stall_ns;    // how long the run went without progress
    std::atomic<uint64_t>& stopped_ns;  // device clock when the run was stopped
};

// True when this call's status is the one that stopped the launch. The
// caller rings whoever may be waiting.
inline bool stop_launch(const LaunchStopFields& f, int32_t status, uint64_t stall_ns) {
    int32_t running = 0;
    // Pairs with the acquire loads of the status in every loop and on the host.
    if (!f.status.compare_exchange_strong(running, status, std::memory_order_acq_rel)) {
        return false;
    }
    f.stall_ns.store(stall_ns, std::memory_order_relaxed);
    // Publishes the stamps; pairs with the host's acquire load of stopped_ns.
    f.stopped_ns.store(pto_now_ns(), std::memory_order_release);
    return true;
}
