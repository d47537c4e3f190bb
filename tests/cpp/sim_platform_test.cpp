// Tests of the simulator platform's own parts: where its threads are placed
// (the policy, for machines this one is not) and the pool that keeps them
// between launches (reuse, binding, abandoned bodies, fork).
#include <dirent.h>
#include <sched.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <set>
#include <thread>
#include <vector>

#include "sim_thread_placement.h"
#include "sim_thread_pool.h"
#include "test_harness.h"

namespace {

struct Plan {
    bool pinned;
    std::vector<int> schedulers, workers;
};

Plan plan(std::vector<int> cpus, int schedulers, int workers) {
    Plan p;
    p.pinned = sim_assign_cpus(cpus, schedulers, workers, &p.schedulers, &p.workers);
    return p;
}

int count_threads() {
    int n = 0;
    if (DIR* d = opendir("/proc/self/task")) {
        while (dirent* e = readdir(d)) n += e->d_name[0] != '.';
        closedir(d);
    }
    return n;
}

cpu_set_t allowed_cpus() {
    cpu_set_t set;
    CPU_ZERO(&set);
    REQUIRE(sched_getaffinity(0, sizeof set, &set) == 0);
    return set;
}

long thread_id() {
    return syscall(SYS_gettid);
}

// Polls `done` for up to two seconds (threads leave the pool asynchronously).
template <typename F>
bool eventually(F done) {
    auto until = std::chrono::steady_clock::now() + std::chrono::seconds(2);
    while (!done()) {
        if (std::chrono::steady_clock::now() > until) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return true;
}

}  // namespace

TEST(two_cpus_give_schedulers_one_and_workers_the_other) {
    Plan p = plan({5, 2}, 3, 9);
    EXPECT_TRUE(p.pinned);
    for (int cpu : p.schedulers) EXPECT_EQ(cpu, 5);
    for (int cpu : p.workers) EXPECT_EQ(cpu, 2);
    Plan one = plan({0, 1}, 1, 3);
    EXPECT_TRUE(one.pinned);
    EXPECT_EQ(one.schedulers[0], 0);
    for (int cpu : one.workers) EXPECT_EQ(cpu, 1);
}

TEST(a_launch_that_fits_the_machine_or_one_cpu_is_not_pinned) {
    Plan fits = plan({0, 1, 2, 3}, 1, 3);
    EXPECT_TRUE(!fits.pinned);
    for (int cpu : fits.schedulers) EXPECT_EQ(cpu, -1);
    for (int cpu : fits.workers) EXPECT_EQ(cpu, -1);
    Plan single = plan({7}, 3, 9);
    EXPECT_TRUE(!single.pinned);
    EXPECT_EQ(single.workers[8], -1);
}

TEST(scheduler_cores_follow_their_share_of_threads) {
    // 8 CPUs, 3 schedulers + 9 workers: 2 scheduler cores by share, the
    // workers round-robin over the other 6.
    Plan p = plan({0, 1, 2, 3, 4, 5, 6, 7}, 3, 9);
    EXPECT_TRUE(p.pinned);
    EXPECT_EQ(p.schedulers[0], 0);
    EXPECT_EQ(p.schedulers[1], 1);
    EXPECT_EQ(p.schedulers[2], 0);
    EXPECT_EQ(p.workers[0], 2);
    EXPECT_EQ(p.workers[5], 7);
    EXPECT_EQ(p.workers[6], 2);
    EXPECT_EQ(p.workers[8], 4);
    // 8 CPUs, 4 schedulers + 72 workers: one scheduler core, 7 worker cores.
    Plan big = plan({0, 1, 2, 3, 4, 5, 6, 7}, 4, 72);
    std::set<int> scheduler_cores(big.schedulers.begin(), big.schedulers.end());
    std::set<int> worker_cores(big.workers.begin(), big.workers.end());
    EXPECT_EQ(scheduler_cores.size(), 1u);
    EXPECT_EQ(worker_cores.size(), 7u);
    EXPECT_EQ(worker_cores.count(*scheduler_cores.begin()), 0u);
    // 3 CPUs, 4 schedulers + 12 workers: never every core for the schedulers.
    Plan three = plan({0, 1, 2}, 4, 12);
    for (int cpu : three.workers) EXPECT_TRUE(cpu != three.schedulers[0]);
}

TEST(bodies_reuse_parked_threads) {
    cpu_set_t any = allowed_cpus();
    std::vector<std::atomic<long>> first(4), second(4);
    std::atomic<int> arrived{0};
    {
        // The bodies wait for each other, so they need four threads at once.
        SimThreadCrew crew;
        std::string error;
        for (int i = 0; i < 4; ++i) {
            REQUIRE(crew.start(
                [&, i] {
                    first[i] = thread_id();
                    ++arrived;
                    while (arrived < 4) std::this_thread::yield();
                },
                -1, any, &error));
        }
        crew.wait_all();
    }
    EXPECT_EQ(sim_thread_pool_idle_count(), 4);
    int threads = count_threads();
    {
        SimThreadCrew crew;
        std::string error;
        for (int i = 0; i < 4; ++i)
            REQUIRE(crew.start([&, i] { second[i] = thread_id(); }, -1, any, &error));
        crew.wait_all();
    }
    EXPECT_EQ(count_threads(), threads);
    std::set<long> a, b;
    for (int i = 0; i < 4; ++i) {
        a.insert(first[i]);
        b.insert(second[i]);
    }
    EXPECT_EQ(a.size(), 4u);
    // Every body of the second crew ran on a thread of the first.
    for (long id : b) EXPECT_EQ(a.count(id), 1u);
}

TEST(a_body_runs_bound_to_its_cpu_then_unbound_again) {
    cpu_set_t any = allowed_cpus();
    int cpu = -1;
    for (int c = CPU_SETSIZE - 1; c >= 0 && cpu < 0; --c) {
        if (CPU_ISSET(c, &any)) cpu = c;
    }
    std::atomic<int> seen_cpu{-1}, seen_count{0}, later_count{0};
    std::string error;
    {
        SimThreadCrew crew;
        REQUIRE(crew.start(
            [&] {
                cpu_set_t mine;
                sched_getaffinity(0, sizeof mine, &mine);
                seen_count = CPU_COUNT(&mine);
                seen_cpu = sched_getcpu();
            },
            cpu, any, &error));
        crew.wait_all();
    }
    EXPECT_EQ(seen_count.load(), 1);
    EXPECT_EQ(seen_cpu.load(), cpu);
    {
        SimThreadCrew crew;  // the same (only) parked thread, now for anywhere
        REQUIRE(crew.start(
            [&] {
                cpu_set_t mine;
                sched_getaffinity(0, sizeof mine, &mine);
                later_count = CPU_COUNT(&mine);
            },
            -1, any, &error));
        crew.wait_all();
    }
    EXPECT_EQ(later_count.load(), CPU_COUNT(&any));
}

// Starts `count` bodies that wait for each other (so each needs a thread of
// its own) and waits for them.
void run_together(int count) {
    cpu_set_t any = allowed_cpus();
    std::atomic<int> arrived{0};
    SimThreadCrew crew;
    std::string error;
    for (int i = 0; i < count; ++i) {
        REQUIRE(crew.start(
            [&arrived, count] {
                ++arrived;
                while (arrived < count) std::this_thread::yield();
            },
            -1, any, &error));
    }
    crew.wait_all();
}

TEST(an_abandoned_body_takes_its_thread_out_of_the_pool) {
    cpu_set_t any = allowed_cpus();
    run_together(1);  // one parked thread (and any sanitizer helper thread) first
    const int threads = count_threads();
    std::atomic<bool> release{false};
    std::atomic<int> arrived{0}, finished{0};
    std::string error;
    {
        SimThreadCrew crew;
        REQUIRE(crew.start(
            [&] {
                ++arrived;
                while (arrived < 2) std::this_thread::yield();
                ++finished;
            },
            -1, any, &error));
        REQUIRE(crew.start(
            [&] {
                ++arrived;
                while (!release) std::this_thread::sleep_for(std::chrono::milliseconds(1));
                ++finished;
            },
            -1, any, &error));
        auto start = std::chrono::steady_clock::now();
        EXPECT_EQ(crew.wait_until(start + std::chrono::milliseconds(200)), 1);
        EXPECT_TRUE(std::chrono::steady_clock::now() - start < std::chrono::seconds(1));
    }  // the crew goes away while its body still runs
    EXPECT_EQ(count_threads(), threads + 1);
    EXPECT_TRUE(eventually([] { return sim_thread_pool_idle_count() == 1; }));
    release = true;
    EXPECT_TRUE(eventually([&] { return finished == 2; }));
    // The abandoned thread ends instead of coming back.
    EXPECT_TRUE(eventually([&] { return count_threads() == threads; }));
    EXPECT_EQ(sim_thread_pool_idle_count(), 1);
}

TEST(a_forked_child_starts_its_own_threads) {
#if defined(__SANITIZE_THREAD__)
    // TSan refuses to start threads in the child of a multi-threaded fork.
    std::printf("skipped under ThreadSanitizer\n");
    return;
#endif
    cpu_set_t any = allowed_cpus();
    run_together(3);
    REQUIRE(sim_thread_pool_idle_count() == 3);
    pid_t child = fork();
    if (child == 0) {
        // The parent's parked threads do not exist here; borrowing them
        // would wait forever. The child makes its own.
        int ok = sim_thread_pool_idle_count() == 0;
        std::atomic<int> ran{0};
        SimThreadCrew crew;
        std::string child_error;
        for (int i = 0; i < 2; ++i) ok &= crew.start([&] { ++ran; }, -1, any, &child_error);
        ok &= crew.wait_until(std::chrono::steady_clock::now() + std::chrono::seconds(5)) == 0;
        ok &= ran == 2;
        _exit(ok ? 0 : 1);
    }
    int status = 0;
    waitpid(child, &status, 0);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    EXPECT_EQ(sim_thread_pool_idle_count(), 3);
}

int main(int argc, char** argv) {
    return harness::run_all(argc, argv);
}
