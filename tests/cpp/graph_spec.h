// A task graph described in memory, shared by the scheduler tests, their
// orchestration (which turns it into tasks and edges) and their kernels
// (which check, while running, that every predecessor finished first).
// It lives in device memory, where the kernels (in the simulated device's
// process) can reach it; the simulator maps device memory into the host
// process too, so the tests read and write it directly.
#pragma once

#include <atomic>
#include <cstdint>

constexpr int kSpecMaxTasks = 4096;
constexpr int kSpecMaxEdges = 65536;

// func_ids of the test kernels.
enum TestKernel : int { kRecordKernel = 0, kSpinKernel = 1, kSleepKernel = 2, kFaultKernel = 3 };

// What the fault kernel does (its task's third argument).
enum FaultKind : int {
    kSegfault = 1,
    kDivideByZero = 2,
    kIllegalInstruction = 3,
    kBusError = 4,
    kWritePastEnd = 5,      // one element past device_out (device_bytes long)
    kWriteBeforeStart = 6,  // one element before device_out
    kReadHostPointer = 7,   // reads host_pointer
    kAbort = 8,             // abort() after a line on stderr
    kThrow = 9,             // an uncaught C++ exception
    kExit = 10,             // exit(3)
    kTrap = 11,             // raise(SIGTRAP)
};

struct GraphSpec {
    int num_tasks = 0;
    int num_edges = 0;
    int orchestration_result = 0;  // what the orchestration returns
    int extra_func_id = -1;        // when >= 0, one extra task uses it
    int spin_seconds = 0;          // how long the spin kernel spins at most
    int sleep_ms = 0;              // how long the sleep kernel sleeps
    int core_type[kSpecMaxTasks];  // 0 AIC, 1 AIV
    int func_id[kSpecMaxTasks];
    int extra[kSpecMaxTasks];  // the task's third argument (the fault kernel's kind)
    // The orchestration allocates this many bytes of device memory for the
    // kernels (the spin kernel writes its first word when it returns).
    uint64_t device_bytes = 0;
    void* device_out = nullptr;
    // When set, the orchestration fills device_out from this host buffer
    // (copy_to_device), as a runner copies a named tensor in.
    const void* fill_from = nullptr;
    // A host address the fault kernel reads (kReadHostPointer).
    const void* host_pointer = nullptr;
    int edge_from[kSpecMaxEdges];
    int edge_to[kSpecMaxEdges];
    // Predecessors grouped by task (filled by finish()).
    int pred_begin[kSpecMaxTasks + 1];
    int preds[kSpecMaxEdges];

    // Written by the kernels.
    std::atomic<int> run_count[kSpecMaxTasks];
    std::atomic<int> started[kSpecMaxTasks];  // the sleep kernel notes it was entered
    std::atomic<int> done[kSpecMaxTasks];
    std::atomic<int> violations{0};
    // Where the record kernel ran: the CPU, and how many CPUs its thread may use.
    std::atomic<int> cpu[kSpecMaxTasks];
    std::atomic<int> cpus_allowed[kSpecMaxTasks];
    // 1 where the record kernel ran on a scheduler thread (the simulator's
    // threads are named by their part: pto-aicpu, pto-aic, pto-aiv).
    std::atomic<int> on_scheduler[kSpecMaxTasks];
    std::atomic<long> fault_thread_id{0};  // the thread the fault kernel ran on
    // build_spec_graph_late_add's thread: what its add_task returned, once done.
    std::atomic<int> late_add_result{0};
    std::atomic<int> late_add_done{0};

    void finish() {
        for (int i = 0; i <= num_tasks; ++i) pred_begin[i] = 0;
        for (int e = 0; e < num_edges; ++e) ++pred_begin[edge_to[e] + 1];
        for (int i = 0; i < num_tasks; ++i) pred_begin[i + 1] += pred_begin[i];
        int fill[kSpecMaxTasks] = {};
        for (int e = 0; e < num_edges; ++e) {
            int to = edge_to[e];
            preds[pred_begin[to] + fill[to]++] = edge_from[e];
        }
        for (int i = 0; i < num_tasks; ++i) {
            run_count[i].store(0);
            started[i].store(0);
            done[i].store(0);
            cpu[i].store(-1);
            cpus_allowed[i].store(0);
            on_scheduler[i].store(0);
        }
        violations.store(0);
    }

    int add_task(int type, int func = kRecordKernel) {
        core_type[num_tasks] = type;
        func_id[num_tasks] = func;
        extra[num_tasks] = 0;
        return num_tasks++;
    }

    void add_edge(int from, int to) {
        edge_from[num_edges] = from;
        edge_to[num_edges] = to;
        ++num_edges;
    }
};
