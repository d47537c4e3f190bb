// The host_build_graph Runtime: one flat block holding the task graph built on
// the host by the orchestration function, the per-worker handshake mailboxes
// and the scheduler's shared state.
//
// Life of a Runtime: constructed in caller-provided memory by init_runtime;
// the orchestration adds tasks and edges; prepare_launch() freezes the graph
// (successor lists, fanin counters, ready queues, kernel addresses); the
// AICPU scheduler threads and AICore workers execute it; finalize_runtime
// copies the recorded outputs back and destroys it.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "core_type.h"
#include "handshake.h"
#include "idle_wait.h"
#include "platform_limits.h"
#include "ready_queue.h"

// Device memory operations the orchestration may call (runtime->host_api.*).
struct HostApi {
    void* (*device_malloc)(size_t size);
    void (*device_free)(void* dev_ptr);
    int (*copy_to_device)(void* dev_ptr, const void* host_ptr, size_t size);
    int (*copy_from_device)(void* host_ptr, const void* dev_ptr, size_t size);
};

// An output buffer copied from the device back to the host at finalize.
struct TensorPair {
    void* host_ptr;
    void* dev_ptr;
    size_t size;
};

// Where a task is in its life; written by the scheduler, read for
// diagnostics after the run.
enum class TaskState : int32_t { kPending = 0, kReady = 1, kRunning = 2, kDone = 3 };

struct Task {
    int32_t task_id;
    int32_t func_id;
    int32_t num_args;
    CoreType core_type;
    uint64_t args[RUNTIME_MAX_ARGS];
    uint64_t function_bin_addr;  // kernel entry address, set before launch
    int32_t fanin;               // number of predecessors
    int32_t fanout_count;        // number of successors
    // Execution state, reset by prepare_launch.
    uint32_t successor_begin;              // index of the first successor id
    std::atomic<int32_t> remaining_fanin;  // predecessors not yet complete
    std::atomic<int32_t> state;            // TaskState
    int32_t worker_id;                     // who ran it (-1 before)
    int32_t scheduler_thread;              // who dispatched it (-1 before)
    uint64_t ready_time;                   // ns, when its last predecessor completed
    uint64_t dispatch_time;                // ns, when a scheduler handed it to a worker
    // ns, stamped by the worker; atomic because a diagnostic may read them
    // while a hung kernel's worker is still alive.
    std::atomic<uint64_t> start_time;
    std::atomic<uint64_t> end_time;
};

// Launch parameters checked by the platform before prepare_launch.
struct LaunchConfig {
    int aicpu_thread_num;
    int block_dim;
    uint64_t timeout_ns;  // longest stretch without any task completing
};

// Maps a func_id to its kernel's entry address; 0 when not registered.
using KernelLookup = uint64_t (*)(int func_id);

// How large a graph may grow (the historic limits by default).
struct GraphLimits {
    int max_tasks = RUNTIME_MAX_TASKS;
    int max_successors = RUNTIME_MAX_SUCCESSORS;
};

// Where each part of a Runtime sits in its device image: one block holding
// the Runtime itself, then the tasks, the successor ids and the two ready
// queues' slots, with every pointer rebased to the block's device address.
struct DeviceImageLayout {
    size_t tasks_offset, tasks_bytes;
    size_t successors_offset, successors_bytes;
    size_t ready_offset[2], ready_bytes[2];
    size_t total;
};

class Runtime {
public:
    static constexpr uint64_t kMagic = 0x50544f52544d4531ull;  // "PTORTME1"

    explicit Runtime(GraphLimits limits = GraphLimits{});
    ~Runtime();
    Runtime(const Runtime&) = delete;
    Runtime& operator=(const Runtime&) = delete;

    // ---- Orchestration API ----------------------------------------------
    // Adds a task; returns its id, or -1 when a limit is exceeded or an
    // argument is invalid (the reason is kept in build_error_message()).
    int add_task(uint64_t* args, int num_args, int func_id, CoreType core_type);
    // Older orchestration sources pass the core type as an int (0 AIC, 1 AIV).
    int add_task(uint64_t* args, int num_args, int func_id, int core_type) {
        return add_task(args, num_args, func_id, static_cast<CoreType>(core_type));
    }
    // Adds the edge from -> to: `to` runs after `from` completes.
    void add_successor(int from_task, int to_task);
    // Records an output buffer for copy-back at finalize.
    void record_tensor_pair(void* host_ptr, void* dev_ptr, size_t size);
    int get_task_count() const { return task_count_; }
    const GraphLimits& limits() const { return limits_; }
    Task* get_task(int task_id);
    void print_runtime() const;
    HostApi host_api{};

    // ---- Host side ----------------------------------------------------------
    bool is_constructed() const { return magic_ == kMagic; }
    // First error raised while the orchestration built the graph (0 if none).
    int build_error() const { return build_error_; }
    const char* build_error_message() const { return build_error_message_; }
    int tensor_pair_count() const { return tensor_pair_count_; }
    const TensorPair& tensor_pair(int i) const { return tensor_pairs_[i]; }
    uint32_t edge_count() const { return edge_count_; }
    int32_t edge_from(uint32_t i) const { return edge_from_[i]; }
    int32_t edge_to(uint32_t i) const { return edge_to_[i]; }
    // Successor ids of a task (valid after prepare_launch).
    const int32_t* successors_of(const Task& t) const { return successors_ + t.successor_begin; }

    // Device image (after prepare_launch): its layout, the staged bytes for
    // device address `device_base`, and reading a run's results back from
    // them (task times, worker mailboxes, counters; task addresses in the
    // mailboxes are translated back to host ones).
    DeviceImageLayout device_image_layout() const;
    void write_device_image(uint8_t* staging, uint64_t device_base) const;
    void read_device_image(const uint8_t* staging, uint64_t device_base);

    // Freezes the graph and resets execution state. Returns 0, or a negative
    // status with the reason written to `message`.
    int prepare_launch(const LaunchConfig& config, KernelLookup lookup, char* message,
                       size_t message_size);

    // ---- Scheduler and worker side --------------------------------------
    int worker_count() const { return block_dim_ * PLATFORM_CORES_PER_BLOCK; }
    int block_dim() const { return block_dim_; }
    int aicpu_thread_num() const { return aicpu_thread_num_; }
    uint64_t timeout_ns() const { return timeout_ns_; }
    Handshake& worker(int id) { return workers_[id]; }
    Task& task(int id) { return tasks_[id]; }
    ReadyQueue& ready_queue(CoreType t) { return ready_[static_cast<int>(t)]; }
    Doorbell& scheduler_bell(int thread) { return scheduler_bells_[thread]; }

    std::atomic<int32_t> next_scheduler_thread{0};
    std::atomic<int32_t> completed_tasks{0};
    std::atomic<int32_t> abort_status{0};      // first failure, stops every thread
    std::atomic<uint64_t> stall_ns{0};         // how long the run went without progress
    std::atomic<uint64_t> launch_start_ns{0};  // when the first scheduler thread started

private:
    void fail_build(int status, const char* fmt, ...) __attribute__((format(printf, 3, 4)));
    int reserve_edges(uint32_t needed);

    uint64_t magic_ = 0;
    GraphLimits limits_;
    int task_count_ = 0;
    int tensor_pair_count_ = 0;
    int build_error_ = 0;
    char build_error_message_[256] = {};

    int block_dim_ = 0;
    int aicpu_thread_num_ = 0;
    uint64_t timeout_ns_ = 0;

    // Edges in insertion order while the graph is built; successors_ is the
    // same edges grouped by source task (CSR), built by prepare_launch.
    int32_t* edge_from_ = nullptr;
    int32_t* edge_to_ = nullptr;
    uint32_t edge_count_ = 0;
    uint32_t edge_capacity_ = 0;
    int32_t* successors_ = nullptr;

    TensorPair tensor_pairs_[RUNTIME_MAX_TENSOR_PAIRS];
    Doorbell scheduler_bells_[PLATFORM_MAX_AICPU_THREADS];
    Handshake workers_[PLATFORM_MAX_WORKERS];
    ReadyQueue ready_[2];
    // Room for limits_.max_tasks tasks, reserved up front so Task pointers
    // never move; pages are only committed as tasks are added, so memory
    // follows the graph, not the limit.
    Task* tasks_ = nullptr;
    size_t tasks_bytes_ = 0;
};
