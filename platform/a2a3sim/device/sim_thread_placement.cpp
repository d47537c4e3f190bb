#include "sim_thread_placement.h"

#include <sched.h>

#include <algorithm>
#include <cmath>

bool sim_assign_cpus(const std::vector<int>& cpus, int schedulers, int workers,
                     std::vector<int>* scheduler_cpu, std::vector<int>* worker_cpu) {
    scheduler_cpu->assign(static_cast<size_t>(schedulers), -1);
    worker_cpu->assign(static_cast<size_t>(workers), -1);
    const int n = static_cast<int>(cpus.size());
    // One core cannot be split, and a launch with a core per thread is
    // placed well by the kernel on its own.
    if (n < 2 || schedulers + workers <= n) return false;

    // Schedulers get cores in proportion to their share of the threads, at
    // least one, never all: a scheduler does the bookkeeping of every task
    // its workers run, so one scheduler core usually serves many workers.
    int scheduler_cores =
        static_cast<int>(std::lround(static_cast<double>(n) * schedulers / (schedulers + workers)));
    scheduler_cores = std::clamp(scheduler_cores, 1, std::min(schedulers, n - 1));
    const int worker_cores = n - scheduler_cores;
    for (int i = 0; i < schedulers; ++i)
        (*scheduler_cpu)[static_cast<size_t>(i)] = cpus[static_cast<size_t>(i % scheduler_cores)];
    for (int w = 0; w < workers; ++w)
        (*worker_cpu)[static_cast<size_t>(w)] =
            cpus[static_cast<size_t>(scheduler_cores + w % worker_cores)];
    return true;
}

void sim_plan_placement(int schedulers, int workers, bool place_threads, const cpu_set_t& allowed,
                        int first_cpu, SimPlacement* out) {
    out->pinned = false;
    out->scheduler_cpu.assign(static_cast<size_t>(schedulers), -1);
    out->worker_cpu.assign(static_cast<size_t>(workers), -1);
    out->allowed = allowed;
    if (!place_threads) return;

    // Hand out CPUs starting from the one the caller runs on, so that
    // simulator processes started side by side do not all crowd the same
    // first cores.
    std::vector<int> cpus;
    for (int c = 0; c < CPU_SETSIZE; ++c) {
        if (CPU_ISSET(c, &out->allowed)) cpus.push_back(c);
    }
    auto first = std::find(cpus.begin(), cpus.end(), first_cpu);
    if (first != cpus.end()) std::rotate(cpus.begin(), first, cpus.end());

    out->pinned = sim_assign_cpus(cpus, schedulers, workers, &out->scheduler_cpu, &out->worker_cpu);
}
