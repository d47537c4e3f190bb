// How a scheduler thread or a worker waits for its mailbox to change.
//
// Every waiter owns a doorbell word. A writer that changes state a waiter may
// be sleeping on rings the waiter's doorbell after the change. The waiter
// samples the doorbell, re-checks its condition, and only then waits for the
// doorbell to move from the sampled value, so a ring between the check and the
// wait is never lost.
//
// The simulator spins briefly, then yields, then parks on a futex; the device
// polls (its mailboxes are refreshed by dcci, there is nothing to park on).
#pragma once

#include <atomic>
#include <cstdint>

struct Doorbell {
    std::atomic<uint32_t> seq{0};
    std::atomic<uint32_t> sleepers{0};
};

// Grows the idle strategy across consecutive idle rounds of one waiter:
// how long it has been idle decides between spinning, yielding and parking.
// Reset it whenever the waiter found work.
struct IdleBackoff {
    // How long to keep the core (spinning, then yielding) before parking.
    // Schedulers sit on every task's critical path and keep it longer than
    // workers, which are many and each wait longer between tasks.
    uint64_t keep_core_ns = 200'000;
    uint32_t rounds = 0;
    uint64_t idle_since_ns = 0;
    void reset() {
        rounds = 0;
        idle_since_ns = 0;
    }
};

// Waits until the doorbell moves away from `observed` or `max_wait_ns` passed.
void pto_idle_wait(Doorbell* bell, uint32_t observed, IdleBackoff* backoff, uint64_t max_wait_ns);
void pto_doorbell_ring(Doorbell* bell);
