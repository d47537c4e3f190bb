// The one wake primitive: an event count, in the shape of taskflow's Notifier.
//
// A waiter owns (or shares) an EventCount, its doorbell. Every wait has three
// steps, in this order:
//
//   WaitKey key = ec.prepare_wait();      // 1. sample
//   if (condition()) { pto_cancel_wait(&backoff); return; }   // 2. check
//   pto_commit_wait(&ec, key, &backoff, bound_ns);            // 3. wait
//
// and every writer that makes the condition true changes its state first,
// then calls pto_notify(&ec). A notify after the sample moves the count away
// from the key, so the commit returns at once; a notify before the sample is
// seen by the check. Either way no wake-up is lost, and the commit is bounded
// in any case: every wait in the runtime has a deadline.
//
// How long a waiter keeps its core in commit is the platform's policy (the
// simulator spins, yields, then parks on a futex; the device polls): the
// runtime only says which kind of waiter it is.
#pragma once

#include <atomic>
#include <cstdint>

// A sampled value of an event count, taken before checking the condition.
struct WaitKey {
    uint32_t seq;
};

struct EventCount {
    std::atomic<uint32_t> seq{0};
    // Waiters parked in the kernel (simulator only); a notify with none makes
    // no system call.
    std::atomic<uint32_t> sleepers{0};

    // seq_cst: pairs with the seq_cst fetch_add in pto_notify, so a state
    // change the waiter's check misses has its notify ordered after this load.
    WaitKey prepare_wait() const { return WaitKey{seq.load(std::memory_order_seq_cst)}; }
};

// Schedulers sit on every task's critical path; workers are many and each
// waits longer between tasks. Platforms may treat them differently.
// The orchestrator waits for batches of retirements or for a producer to
// finish, and the host for a device's reply: as long as a worker's waits, so
// platforms may treat them as one.
enum class WaiterRole : uint8_t { kScheduler = 0, kWorker = 1, kOrchestrator = 2, kHost = 3 };

// The idle strategy's memory across consecutive idle rounds of one waiter.
// Reset it (pto_cancel_wait) whenever the waiter found its condition true.
struct IdleBackoff {
    WaiterRole role = WaiterRole::kScheduler;
    uint32_t rounds = 0;
    uint64_t idle_since_ns = 0;
    // The platform's own, kept across waits (reset() leaves them): the
    // simulator's window for the process's CPU time (event_count.cpp).
    uint64_t window_wall_ns = 0;
    uint64_t window_cpu_ns = 0;
    explicit IdleBackoff(WaiterRole r) : role(r) {}
    void reset() {
        rounds = 0;
        idle_since_ns = 0;
    }
};

// Step 3: waits until the count moves away from `key` or `max_wait_ns`
// passed. May also return early (a spin round, a yield): callers loop back
// to step 1.
void pto_commit_wait(EventCount* ec, WaitKey key, IdleBackoff* backoff, uint64_t max_wait_ns);

// Leaving a wait because the condition held: the next wait of this waiter
// starts afresh with the short spin.
inline void pto_cancel_wait(IdleBackoff* backoff) { backoff->reset(); }

// Call after the state change a waiter may be waiting for.
void pto_notify(EventCount* ec);
