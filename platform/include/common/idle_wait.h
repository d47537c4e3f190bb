// How a scheduler thread or a worker waits for its mailbox to change.
//
// Every waiter owns a doorbell word. A writer that changes state a waiter may
// be sleeping on rings the waiter's doorbell after the change. The waiter
// samples the doorbell, re-checks its condition, and only then waits for the
// doorbell to move from the sampled value, so a ring between the check and the
// wait is never lost.
//
// How long a waiter keeps its core is the platform's policy (the simulator
// spins, yields, then parks on a futex; the device polls): the runtime only
// says which kind of waiter it is.
#pragma once

#include <atomic>
#include <cstdint>

struct Doorbell {
    std::atomic<uint32_t> seq{0};
    std::atomic<uint32_t> sleepers{0};
};

// Schedulers sit on every task's critical path; workers are many and each
// waits longer between tasks. Platforms may treat them differently.
// The orchestrator waits for batches of retirements or for a producer to
// finish: as long as a worker's waits, so platforms may treat it as one.
enum class WaiterRole : uint8_t { kScheduler = 0, kWorker = 1, kOrchestrator = 2 };

// The idle strategy's memory across consecutive idle rounds of one waiter.
// Reset it whenever the waiter found work.
struct IdleBackoff {
    WaiterRole role = WaiterRole::kScheduler;
    uint32_t rounds = 0;
    uint64_t idle_since_ns = 0;
    explicit IdleBackoff(WaiterRole r) : role(r) {}
    void reset() {
        rounds = 0;
        idle_since_ns = 0;
    }
};

// Waits until the doorbell moves away from `observed` or `max_wait_ns` passed.
void pto_idle_wait(Doorbell* bell, uint32_t observed, IdleBackoff* backoff, uint64_t max_wait_ns);
void pto_doorbell_ring(Doorbell* bell);
