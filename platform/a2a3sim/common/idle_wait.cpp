// Simulator idle strategy. Workers and schedulers are host threads that far
// outnumber the cores (up to 72 workers on 2 cores here). A waiter that has
// just become idle spins for a few hundred nanoseconds (the next task of a
// chain arrives that fast), then yields the core to whoever needs it for a
// while, and only then parks on a futex until its doorbell rings: a run
// waiting on one long kernel costs about one core, and short dependent
// tasks never pay for a futex wake-up. How long each kind of waiter keeps
// its core comes from SimIdleTuning (the host parses PTO_SIM_* once per
// launch and checks them).
//
// Doorbells live in device memory, shared by the host and the device
// process (the host rings them to stop a launch), so the futex calls are the
// shared kind, keyed by the memory and not by the process.
#include "idle_wait.h"

#include <linux/futex.h>
#include <sched.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <climits>
#include <ctime>

#include "sim_idle_tuning.h"
#include "time_source.h"

namespace {

constexpr uint32_t kSpinChecks = 32;  // bell checks between clock reads

std::atomic<uint64_t> g_spin_ns{kDefaultSimIdleTuning.spin_ns};
std::atomic<uint64_t> g_scheduler_keep_ns{kDefaultSimIdleTuning.scheduler_keep_ns};
std::atomic<uint64_t> g_worker_keep_ns{kDefaultSimIdleTuning.worker_keep_ns};

inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    asm volatile("yield");
#endif
}

uint32_t* futex_word(Doorbell* bell) {
    static_assert(sizeof(std::atomic<uint32_t>) == sizeof(uint32_t), "futex needs a plain word");
    return reinterpret_cast<uint32_t*>(&bell->seq);
}

}  // namespace

void sim_idle_tuning_store(const SimIdleTuning& tuning) {
    g_spin_ns.store(tuning.spin_ns, std::memory_order_relaxed);
    g_scheduler_keep_ns.store(tuning.scheduler_keep_ns, std::memory_order_relaxed);
    g_worker_keep_ns.store(tuning.worker_keep_ns, std::memory_order_relaxed);
}

SimIdleTuning sim_idle_tuning_load() {
    return SimIdleTuning{g_spin_ns.load(std::memory_order_relaxed),
                         g_scheduler_keep_ns.load(std::memory_order_relaxed),
                         g_worker_keep_ns.load(std::memory_order_relaxed)};
}

void pto_idle_wait(Doorbell* bell, uint32_t observed, IdleBackoff* backoff, uint64_t max_wait_ns) {
    uint64_t now = pto_now_ns();
    if (backoff->rounds++ == 0) backoff->idle_since_ns = now;
    uint64_t idle = now - backoff->idle_since_ns;
    if (idle < g_spin_ns.load(std::memory_order_relaxed)) {
        for (uint32_t i = 0; i < kSpinChecks; ++i) {
            if (bell->seq.load(std::memory_order_acquire) != observed) return;
            cpu_relax();
        }
        return;
    }
    uint64_t keep = backoff->role == WaiterRole::kScheduler
                        ? g_scheduler_keep_ns.load(std::memory_order_relaxed)
                        : g_worker_keep_ns.load(std::memory_order_relaxed);
    if (idle < keep) {
        sched_yield();
        return;
    }
    // seq_cst on both sides (here and in ring) orders "announce sleeper, then
    // re-check seq" against "bump seq, then take the sleepers": one of the
    // two always sees the other. The ring that wakes the sleepers zeroes the
    // count, so the rings after it (until someone sleeps again) make no
    // system call while the woken thread is still on its way to a core; a
    // sleeper that leaves by its timeout leaves its count for the next ring
    // to clear with one spare wake.
    bell->sleepers.fetch_add(1, std::memory_order_seq_cst);
    if (bell->seq.load(std::memory_order_seq_cst) == observed) {
        timespec ts;
        ts.tv_sec = static_cast<time_t>(max_wait_ns / 1'000'000'000ull);
        ts.tv_nsec = static_cast<long>(max_wait_ns % 1'000'000'000ull);
        syscall(SYS_futex, futex_word(bell), FUTEX_WAIT, observed, &ts, nullptr, 0);
    }
}

void pto_doorbell_ring(Doorbell* bell) {
    bell->seq.fetch_add(1, std::memory_order_seq_cst);
    if (bell->sleepers.load(std::memory_order_seq_cst) != 0 &&
        bell->sleepers.exchange(0, std::memory_order_seq_cst) != 0) {
        syscall(SYS_futex, futex_word(bell), FUTEX_WAKE, INT_MAX, nullptr, nullptr, 0);
    }
}
