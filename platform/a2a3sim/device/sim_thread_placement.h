// Which host CPUs the simulator's scheduler and worker threads run on.
//
// A launch usually has more threads than the machine has cores (3 scheduler
// threads and 9 workers on 2 cores by default). Left to the kernel, a
// scheduler and the worker it is waiting for often share a core while idle
// threads hold the other, and every hand-off then costs a context switch;
// where the threads land changes from run to run, and so did the time (2-5x
// between runs of the same graph). When the launch is oversubscribed, the
// simulator therefore keeps the schedulers on their own core(s) and the workers
// on the rest. PTO_SIM_AFFINITY=off leaves placement to the kernel.
#pragma once

#include <sched.h>

#include <cstddef>
#include <vector>

struct SimPlacement {
    bool pinned = false;
    std::vector<int> scheduler_cpu;  // per scheduler thread; -1 = anywhere in `allowed`
    std::vector<int> worker_cpu;     // per worker
    cpu_set_t allowed;               // the CPUs the launching host thread may use
};

// Plans where `schedulers` scheduler threads and `workers` worker threads
// run, on the CPUs the launching host thread may use (`allowed`), handing
// them out from `first_cpu` (the one it ran on); with `place_threads` false
// (PTO_SIM_AFFINITY=off) everything may run anywhere in `allowed`.
void sim_plan_placement(int schedulers, int workers, bool place_threads, const cpu_set_t& allowed,
                        int first_cpu, SimPlacement* out);

// The pure policy, for tests: given the usable CPUs in the order they should
// be handed out, fills the per-thread CPUs (or leaves them -1 when the launch
// fits the machine). Returns whether anything was pinned.
bool sim_assign_cpus(const std::vector<int>& cpus, int schedulers, int workers,
                     std::vector<int>* scheduler_cpu, std::vector<int>* worker_cpu);
