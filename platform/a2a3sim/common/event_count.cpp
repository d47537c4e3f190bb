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
// Yielding pays only while the core is ours to share. When other processes
// keep the cores busy, a yield hands the core to one of them for its whole
// time slice (milliseconds), and a waiter that yields its way through a
// hand-off waits that long each time; a parked waiter is woken by the
// notify and, having slept, is run soon after. So each yield is timed: one
// that comes back after kBusyYieldNs means another thread had the core
// that long. If this process used less than a core's worth of CPU time over
// the last few milliseconds, the core went to another process (our own busy
// threads, a cold start's page faults, would have added theirs; the
// process's CPU clock is read once per kCpuWindowNs): for the next
// kContendedHoldNs every waiter of this object skips the yields and parks
// after its spin. Then the next yield measures again: the choice follows
// the load as it changes.
//
// Doorbells live in device memory, shared by the host and the device
// process (the host rings them to stop a launch), so the futex calls are the
// shared kind, keyed by the memory and not by the process.
#include "event_count.h"

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
// A yield longer than this: another thread ran a while on our core (our own
// waiters yield back within microseconds; a busy process keeps its slice).
constexpr uint64_t kBusyYieldNs = 1'000'000;
constexpr uint64_t kContendedHoldNs = 50'000'000;

// Until when waiters park without yielding (pto_now_ns); 0: not contended.
std::atomic<uint64_t> g_contended_until_ns{0};

uint64_t process_cpu_ns() {
    timespec ts;
    if (clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts) != 0) return 0;
    return static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000ull + static_cast<uint64_t>(ts.tv_nsec);
}

// The process's CPU time at a recent moment of this waiter's (wall, CPU),
// renewed every kCpuWindowNs. (Kept in the waiter, not in thread-local
// storage: these objects are loaded with dlopen, where LeakSanitizer's
// scan of dynamic TLS has crashed.)
constexpr uint64_t kCpuWindowNs = 10'000'000;

void refresh_cpu_window(IdleBackoff* b, uint64_t now) {
    if (b->window_wall_ns != 0 && now - b->window_wall_ns < kCpuWindowNs) return;
    b->window_wall_ns = now;
    b->window_cpu_ns = process_cpu_ns();
}

// Since the window's start the process ran for less than the wall time
// passed, summed over its threads: less than one core's worth.
bool another_process_ran(const IdleBackoff& b, uint64_t now) {
    const uint64_t wall = now - b.window_wall_ns;
    const uint64_t cpu = process_cpu_ns() - b.window_cpu_ns;
    return cpu < wall;
}


std::atomic<uint64_t> g_spin_ns{kDefaultSimIdleTuning.spin_ns};
std::atomic<uint64_t> g_scheduler_keep_ns{kDefaultSimIdleTuning.scheduler_keep_ns};
std::atomic<uint64_t> g_worker_keep_ns{kDefaultSimIdleTuning.worker_keep_ns};
std::atomic<SimRunHere> g_run_here{kDefaultSimIdleTuning.run_here};

inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    asm volatile("yield");
#endif
}

uint32_t* futex_word(EventCount* bell) {
    static_assert(sizeof(std::atomic<uint32_t>) == sizeof(uint32_t), "futex needs a plain word");
    return reinterpret_cast<uint32_t*>(&bell->seq);
}

}  // namespace

// The event count's unit test builds this file with PTO_EVENT_COUNT_TEST_POINTS
// and widens the windows between its atomic steps at random, so its harness
// explores the interleavings the protocol must survive; other builds have no
// points.
#ifdef PTO_EVENT_COUNT_TEST_POINTS
void (*pto_event_count_test_point)() = nullptr;
#define EVENT_COUNT_TEST_POINT()                                 \
    do {                                                         \
        if (pto_event_count_test_point != nullptr) pto_event_count_test_point(); \
    } while (0)
#else
#define EVENT_COUNT_TEST_POINT() \
    do {                         \
    } while (0)
#endif

void sim_idle_tuning_store(const SimIdleTuning& tuning) {
    g_spin_ns.store(tuning.spin_ns, std::memory_order_relaxed);
    g_scheduler_keep_ns.store(tuning.scheduler_keep_ns, std::memory_order_relaxed);
    g_worker_keep_ns.store(tuning.worker_keep_ns, std::memory_order_relaxed);
    g_run_here.store(tuning.run_here, std::memory_order_relaxed);
}

bool sim_idle_contended() {
    return pto_now_ns() < g_contended_until_ns.load(std::memory_order_relaxed);
}

SimRunHere sim_run_here_mode() { return g_run_here.load(std::memory_order_relaxed); }

SimIdleTuning sim_idle_tuning_load() {
    return SimIdleTuning{g_spin_ns.load(std::memory_order_relaxed),
                         g_scheduler_keep_ns.load(std::memory_order_relaxed),
                         g_worker_keep_ns.load(std::memory_order_relaxed),
                         g_run_here.load(std::memory_order_relaxed)};
}

void pto_commit_wait(EventCount* bell, WaitKey key, IdleBackoff* backoff, uint64_t max_wait_ns) {
    const uint32_t observed = key.seq;
    uint64_t now = pto_now_ns();
    if (backoff->rounds++ == 0) backoff->idle_since_ns = now;
    uint64_t idle = now - backoff->idle_since_ns;
    if (idle < g_spin_ns.load(std::memory_order_relaxed)) {
        for (uint32_t i = 0; i < kSpinChecks; ++i) {
            // Pairs with pto_notify's fetch_add: the waiter's next check
            // sees the state change made before it.
            if (bell->seq.load(std::memory_order_acquire) != observed) return;
            cpu_relax();
        }
        return;
    }
    uint64_t keep = backoff->role == WaiterRole::kScheduler
                        ? g_scheduler_keep_ns.load(std::memory_order_relaxed)
                        : g_worker_keep_ns.load(std::memory_order_relaxed);
    const uint64_t contended_until = g_contended_until_ns.load(std::memory_order_relaxed);
    if (idle < keep && now >= contended_until) {
        refresh_cpu_window(backoff, now);
        sched_yield();
        const uint64_t back = pto_now_ns();
        if (back - now > kBusyYieldNs && another_process_ran(*backoff, back)) {
            g_contended_until_ns.store(back + kContendedHoldNs, std::memory_order_relaxed);
        }
        return;
    }
    // seq_cst on both sides (here and in pto_notify) orders "announce
    // sleeper, then re-check seq" against "bump seq, then read the sleepers":
    // one of the two always sees the other. The count is of waiters between
    // their announcement and their leaving, and only they change it: a
    // notify that zeroed it could take the announcement of a waiter that
    // had not parked yet (a notify of an earlier round, delayed), and the
    // notify that waiter needs would then see no sleeper and make no call.
    bell->sleepers.fetch_add(1, std::memory_order_seq_cst);
    EVENT_COUNT_TEST_POINT();
    if (bell->seq.load(std::memory_order_seq_cst) == observed) {
        EVENT_COUNT_TEST_POINT();
        timespec ts;
        ts.tv_sec = static_cast<time_t>(max_wait_ns / 1'000'000'000ull);
        ts.tv_nsec = static_cast<long>(max_wait_ns % 1'000'000'000ull);
        syscall(SYS_futex, futex_word(bell), FUTEX_WAIT, observed, &ts, nullptr, 0);
    }
    EVENT_COUNT_TEST_POINT();
    bell->sleepers.fetch_sub(1, std::memory_order_relaxed);
}

void pto_notify(EventCount* bell) {
    // Pairs with prepare_wait's load and the parked waiter's re-check.
    bell->seq.fetch_add(1, std::memory_order_seq_cst);
    EVENT_COUNT_TEST_POINT();
    if (bell->sleepers.load(std::memory_order_seq_cst) != 0) {
        EVENT_COUNT_TEST_POINT();
        syscall(SYS_futex, futex_word(bell), FUTEX_WAKE, INT_MAX, nullptr, nullptr, 0);
    }
}
