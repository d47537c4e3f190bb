// The wake primitive on its own (the simulator's EventCount): a notify that
// lands between a waiter's check and its commit is never lost, whichever way
// the waiter idles (spin, yield, futex), under randomized interleavings of
// one waiter and of many waiters on one count. A lost wake-up shows as a
// wait that runs to its bound; every commit here is bounded at 2 s, and a
// wait of a second fails the test at once (the notifies it waits for come
// within microseconds).
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <random>
#include <thread>
#include <vector>

#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "event_count.h"
#include "sim_idle_tuning.h"
#include "test_harness.h"
#include "time_source.h"

// Called between the simulator's atomic steps (PTO_EVENT_COUNT_TEST_POINTS).
extern void (*pto_event_count_test_point)();

namespace {

using Clock = std::chrono::steady_clock;

constexpr uint64_t kCommitBoundNs = 2'000'000'000ull;
constexpr double kLostAfterSeconds = 1.0;

double seconds_since(Clock::time_point t) {
    return std::chrono::duration<double>(Clock::now() - t).count();
}

// Every idle path of the simulator's commit: parks at once, yields only,
// and the defaults (spin, yield, then park).
const SimIdleTuning kTunings[] = {
    {0, 0, 0, SimRunHere::kAuto},
    {0, 10'000'000'000ull, 10'000'000'000ull, SimRunHere::kAuto},
    kDefaultSimIdleTuning,
};

// A delay injected at one point of the protocol, chosen at random: none, a
// few pauses, a yield, or a short sleep (long enough for the other thread to
// run through its whole step).
struct Jitter {
    std::mt19937 rng;
    explicit Jitter(uint32_t seed) : rng(seed) {}
    void operator()() {
        switch (rng() % 8) {
            case 0:
            case 1:
            case 2:
                return;
            case 3:
            case 4:
                for (uint32_t i = rng() % 64; i > 0; --i) std::atomic_signal_fence(std::memory_order_seq_cst);
                return;
            case 5:
            case 6:
                sched_yield();
                return;
            default:
                usleep(rng() % 50);
                return;
        }
    }
};

// The delay at the primitive's own test points: each thread its own stream.
void jitter_inside() {
    thread_local Jitter jitter(static_cast<uint32_t>(std::hash<std::thread::id>{}(std::this_thread::get_id())));
    jitter();
}

// Waits as the runtime does (sample, check, commit), with jitter between the
// steps; returns the longest single commit, in seconds.
template <typename Ready>
double await(EventCount& ec, Ready ready, Jitter& jitter, WaiterRole role) {
    IdleBackoff backoff(role);
    double longest = 0;
    for (;;) {
        const WaitKey key = ec.prepare_wait();
        jitter();
        if (ready()) {
            pto_cancel_wait(&backoff);
            return longest;
        }
        jitter();  // the window a notify must not be lost in
        const Clock::time_point t = Clock::now();
        pto_commit_wait(&ec, key, &backoff, kCommitBoundNs);
        const double waited = seconds_since(t);
        if (waited > longest) longest = waited;
        if (waited >= kLostAfterSeconds) {
            // The first lost wake-up ends the test: the rest would each cost a bound.
            std::fprintf(harness::report_stream(),
                         "lost wake-up: a commit on key %u waited %.2f s (count now %u, %u "
                         "sleepers, condition %s)\n",
                         key.seq, waited, ec.seq.load(), ec.sleepers.load(),
                         ready() ? "true" : "false");
            _exit(1);
        }
    }
}

}  // namespace

// A notify between the check and the commit: the commit returns at once even
// when it parks on the futex straight away.
TEST(notify_between_check_and_commit_is_not_lost) {
    sim_idle_tuning_store(kTunings[0]);
    EventCount ec;
    std::atomic<int> flag{0};
    std::atomic<int> checked{0};
    std::thread notifier([&] {
        while (checked.load(std::memory_order_acquire) == 0) sched_yield();
        flag.store(1, std::memory_order_release);
        pto_notify(&ec);
    });
    IdleBackoff backoff(WaiterRole::kScheduler);
    const WaitKey key = ec.prepare_wait();
    EXPECT_EQ(flag.load(std::memory_order_acquire), 0);
    checked.store(1, std::memory_order_release);
    notifier.join();  // the whole change and its notify land in the window
    const Clock::time_point t = Clock::now();
    pto_commit_wait(&ec, key, &backoff, kCommitBoundNs);
    EXPECT_TRUE(seconds_since(t) < kLostAfterSeconds);
    EXPECT_EQ(flag.load(std::memory_order_acquire), 1);
}

// The same interleaving with the steps out of order (check, then sample)
// loses the wake-up: the commit runs to its bound. What the harness below
// detects, shown once deterministically.
TEST(sampling_after_the_check_loses_the_wakeup) {
    sim_idle_tuning_store(kTunings[0]);
    EventCount ec;
    std::atomic<int> flag{0};
    IdleBackoff backoff(WaiterRole::kScheduler);
    EXPECT_EQ(flag.load(std::memory_order_acquire), 0);
    flag.store(1, std::memory_order_release);
    pto_notify(&ec);
    const WaitKey key = ec.prepare_wait();
    const Clock::time_point t = Clock::now();
    pto_commit_wait(&ec, key, &backoff, 200'000'000ull);
    EXPECT_TRUE(seconds_since(t) >= 0.15);
}

// A cancelled wait starts the next one afresh: with the defaults, the first
// commit after a cancel spins (returns within the spin budget) instead of
// parking.
TEST(cancel_wait_restarts_the_idle_strategy) {
    sim_idle_tuning_store(kDefaultSimIdleTuning);
    EventCount ec;
    IdleBackoff backoff(WaiterRole::kScheduler);
    backoff.rounds = 1000;
    backoff.idle_since_ns = 1;  // idle "forever": the next commit would park
    pto_cancel_wait(&backoff);
    EXPECT_EQ(backoff.rounds, 0u);
    const Clock::time_point t = Clock::now();
    pto_commit_wait(&ec, ec.prepare_wait(), &backoff, kCommitBoundNs);
    EXPECT_TRUE(seconds_since(t) < 0.1);
    EXPECT_EQ(backoff.rounds, 1u);
}

// A waiter whose yield hands the core to a busy process for its time slice
// finds the host contended: its next waits park after the spin instead of
// yielding (a busy process keeps the core far longer than the 100 us that
// marks a late yield).
TEST(a_yield_that_comes_back_late_marks_the_host_contended) {
    sim_idle_tuning_store(kDefaultSimIdleTuning);
    const int cpu = sched_getcpu();
    REQUIRE(cpu >= 0);
    cpu_set_t one, before;
    REQUIRE(sched_getaffinity(0, sizeof before, &before) == 0);
    CPU_ZERO(&one);
    CPU_SET(cpu, &one);
    REQUIRE(sched_setaffinity(0, sizeof one, &one) == 0);
    const pid_t parent = getpid();
    const pid_t busy = fork();
    REQUIRE(busy >= 0);
    if (busy == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent) _exit(0);
        alarm(30);  // bounded, whatever happens to the test
        for (volatile unsigned long long n = 0;; n = n + 1) {
        }
    }
    EventCount ec;
    bool contended = false;
    for (int attempt = 0; attempt < 50 && !contended; ++attempt) {
        IdleBackoff backoff(WaiterRole::kScheduler);
        backoff.rounds = 1;
        backoff.idle_since_ns = pto_now_ns() - 1000;  // past the spin, inside the yield phase
        pto_commit_wait(&ec, ec.prepare_wait(), &backoff, kCommitBoundNs);
        contended = sim_idle_contended();
    }
    kill(busy, SIGKILL);
    waitpid(busy, nullptr, 0);
    sched_setaffinity(0, sizeof before, &before);
    EXPECT_TRUE(contended);
}

// Two threads hand a turn back and forth, each notifying the other's count,
// with random delays at every step of both sides and inside the primitive.
TEST(randomized_hand_offs_never_lose_a_wakeup) {
    constexpr int kHandOffs = 3000;
    pto_event_count_test_point = jitter_inside;
    for (const SimIdleTuning& tuning : kTunings) {
        sim_idle_tuning_store(tuning);
        EventCount ec[2];
        std::atomic<int> turn{0};
        double longest[2] = {0, 0};
        auto player = [&](int me, uint32_t seed) {
            Jitter jitter(seed);
            for (int i = 0; i < kHandOffs; ++i) {
                double w = await(
                    ec[me], [&] { return turn.load(std::memory_order_acquire) == me; }, jitter,
                    me == 0 ? WaiterRole::kScheduler : WaiterRole::kWorker);
                if (w > longest[me]) longest[me] = w;
                turn.store(1 - me, std::memory_order_release);
                jitter();
                pto_notify(&ec[1 - me]);
            }
        };
        std::thread other(player, 1, 0xB0B + static_cast<uint32_t>(tuning.spin_ns));
        player(0, 0xA11CE + static_cast<uint32_t>(tuning.scheduler_keep_ns));
        other.join();
        EXPECT_TRUE(longest[0] < kLostAfterSeconds);
        EXPECT_TRUE(longest[1] < kLostAfterSeconds);
        if (longest[0] >= kLostAfterSeconds || longest[1] >= kLostAfterSeconds) {
            std::fprintf(harness::report_stream(), "spin %llu ns: a wait took %.2f / %.2f s\n",
                         static_cast<unsigned long long>(tuning.spin_ns), longest[0], longest[1]);
        }
    }
}

// Many waiters on one count (several parked at once, one notify wakes them
// all): a leader opens generation after generation, each once every waiter
// has seen the previous one.
TEST(randomized_broadcast_wakes_every_waiter) {
    constexpr int kWaiters = 4;
    constexpr uint32_t kGenerations = 800;
    pto_event_count_test_point = jitter_inside;
    for (const SimIdleTuning& tuning : kTunings) {
        sim_idle_tuning_store(tuning);
        EventCount opened;
        EventCount acked;
        std::atomic<uint32_t> generation{0};
        std::atomic<uint32_t> acks{0};
        std::vector<double> longest(kWaiters + 1, 0.0);
        std::vector<std::thread> waiters;
        for (int w = 0; w < kWaiters; ++w) {
            waiters.emplace_back([&, w] {
                Jitter jitter(1000 + w);
                for (uint32_t g = 1; g <= kGenerations; ++g) {
                    double t = await(
                        opened, [&] { return generation.load(std::memory_order_acquire) >= g; },
                        jitter, WaiterRole::kWorker);
                    if (t > longest[w]) longest[w] = t;
                    acks.fetch_add(1, std::memory_order_acq_rel);
                    jitter();
                    pto_notify(&acked);
                }
            });
        }
        Jitter jitter(7);
        for (uint32_t g = 1; g <= kGenerations; ++g) {
            generation.store(g, std::memory_order_release);
            jitter();
            pto_notify(&opened);
            const uint32_t want = g * kWaiters;
            double t = await(
                acked, [&] { return acks.load(std::memory_order_acquire) >= want; }, jitter,
                WaiterRole::kScheduler);
            if (t > longest[kWaiters]) longest[kWaiters] = t;
        }
        for (std::thread& t : waiters) t.join();
        for (int w = 0; w <= kWaiters; ++w) EXPECT_TRUE(longest[w] < kLostAfterSeconds);
        EXPECT_EQ(acks.load(), kGenerations * kWaiters);
    }
}

int main(int argc, char** argv) {
    return harness::run_all(argc, argv);
}
