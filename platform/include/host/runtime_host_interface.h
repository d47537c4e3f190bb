// What a runtime's host folder provides to the platform's host code. The
// platform owns devices, memory, kernel registration and starting the AICPU
// and AICore bodies; the runtime owns the graph, its device image and the
// launch block. Neither looks inside the other: the platform moves blocks
// and calls the runtime's entry points with the launch block's address.
//
// A Runtime handle (the caller's get_runtime_size() bytes) holds a graph
// session. init_runtime builds the graph and freezes it; each launch gets a
// RuntimeLaunch of its own, shared by everything that may still touch it
// (the launcher, and on the simulator every scheduler and worker thread):
// the last holder frees it, together with the graph and device memory it
// uses if the handle was finalized meanwhile.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>

#include "device_memory.h"
#include "pto_runtime_c_api.h"

struct RuntimeLaunchSettings {
    int aicpu_thread_num;
    int block_dim;
    uint64_t timeout_ns;  // longest stretch without any task completing
    // The func_ids registered at the launch (ascending): a runtime whose
    // graph is built on the device gives each a kernel slot.
    const int32_t* registered_func_ids;
    int registered_count;
};

// Names a func_id's kernel for diagnostics; nullptr when unknown.
using KernelNameLookup = const char* (*)(int func_id);

// The task whose kernel faulted, as its worker recorded it.
struct KernelFaultRecord {
    int task_id;
    int func_id;
    int worker_id;
    int signal;
    uint64_t pc;
    uint64_t address;
    uint64_t kernel_entry;  // the entry the launch called
    int access = 0;         // 1 the instruction read its address, 2 wrote it, 0 unknown
};

// A task that was running on a worker when the launch stopped.
struct RunningTask {
    int task_id;
    int func_id;
    int worker_id;
    bool started;         // the worker entered the kernel
    uint64_t running_ns;  // since it entered, up to when the launch was stopped
    int slot;             // the worker's dispatch slot it is in (0 or 1)
};

// What the runtime knows about one task, for traces and summaries.
struct TaskRecordView {
    int32_t task_id, func_id, core_type, worker_id;
    int32_t fanin, fanout, scheduler_thread, state;
    uint64_t ready_ns, dispatch_ns, start_ns, end_ns;
    int32_t block_num = 1;  // blocks of the task
    int32_t slot_mask = 0;  // cluster slots its kernels use (1 AIC, 2 AIV0, 4 AIV1); 0: one kernel
};

// One kernel of one block of a task with blocks or several kernels.
struct BlockRecordView {
    int32_t task_id, block_idx, block_num, slot, worker_id, scheduler_thread, func_id, reserved;
    uint64_t dispatch_ns, start_ns, end_ns;
};

// An orchestration that runs on the device during the launch, as the host
// reads it afterwards (when the device was lost, say).
struct OrchestrationState {
    bool running = false;     // entered and not returned
    uint64_t submitted = 0;   // tasks it had submitted
    uint64_t object_begin = 0, object_end = 0;  // its object's loaded range, 0 unknown
    uint64_t object_base = 0;                   // the address its ELF offsets are from
};

// One launch, from the host's side.
class RuntimeLaunch {
public:
    virtual ~RuntimeLaunch() = default;

    // Kernels the graph uses: one slot per distinct func_id. The platform
    // resolves each and sets its entry address before starting; `hold`
    // keeps whatever the entry lives in (a loaded object) for as long as
    // the launch lives.
    virtual int kernel_count() const = 0;
    virtual int32_t kernel_func_id(int slot) const = 0;
    virtual int first_task_of_kernel(int slot) const = 0;
    virtual void set_kernel_entry(int slot, uint64_t entry) = 0;
    // The core type (0 AIC, 1 AIV) the slot's kernel is registered for, set
    // after its entry: a runtime whose graph exists refuses tasks of the
    // other type now (0, or a status with the task named); one whose graph
    // is built during the launch keeps it to refuse them at submit.
    virtual int set_kernel_core_type(int slot, int core_type, char* message,
                                     size_t message_size) = 0;
    // Device address of the entries set above (uint64_t[kernel_count()]),
    // for a platform that checks them on the device before running.
    virtual uint64_t kernel_table() const = 0;
    virtual void hold(std::shared_ptr<const void> keep_alive) = 0;

    // The launch block (published before the start, collected after).
    virtual const DeviceBlock& block() const = 0;
    // What aicpu_execute and aicore_execute receive: the launch block's
    // device address.
    virtual void* entry_argument() const = 0;
    virtual int worker_count() const = 0;

    // Stops a running launch from the host (its start failed, or the host's
    // own bound ran out): schedulers return `status`, workers leave.
    virtual void abort(int status) = 0;
    // Tells every worker to leave (after the schedulers returned; they stop
    // their own workers, this covers a scheduler that never started).
    virtual void stop_workers() = 0;
    // Tasks completed so far (safe to read while the launch runs).
    virtual int completed_tasks() const = 0;
    // A number that moves whenever the launch makes progress, watched by the
    // platform's no-progress bound: completions, and for a runtime whose
    // orchestration runs during the launch, its submissions too.
    virtual uint64_t progress_mark() const { return static_cast<uint64_t>(completed_tasks()); }
    virtual int task_count() const = 0;

    // After the launch (block collected): how the schedulers ended it.
    virtual int status() const = 0;
    virtual double stalled_seconds() const = 0;
    // The stall report: progress, ready queues, busy workers, waiting tasks
    // and what they wait on, and a diagnosis (hung kernel or deadlock).
    virtual void report_stall(FILE* out, KernelNameLookup names) const = 0;
    virtual bool find_fault(KernelFaultRecord* record) const = 0;
    // Tasks a worker had been handed and not finished; returns how many
    // were written (at most `capacity`).
    virtual int running_tasks(RunningTask* out, int capacity) const = 0;
    // A failure the runtime words itself (status() names it): true with the
    // message written, false to let the platform word it.
    virtual bool describe_failure(char* message, size_t message_size) const {
        (void)message;
        (void)message_size;
        return false;
    }
    // A runtime whose orchestration runs on the device: its state, true.
    // False for one whose orchestration ran on the host before the launch.
    virtual bool orchestration_state(OrchestrationState* out) const {
        (void)out;
        return false;
    }
    // The orchestration's name for messages ("aicpu_orchestration_entry of
    // vector_orch.cpp"); empty when the runtime has none on the device.
    virtual std::string orchestration_name() const { return std::string(); }
};

// ---- the handle ----------------------------------------------------------
// Whether this runtime can run `threads` AICPU threads over `block_dim`
// blocks (how it splits the threads into roles is its own business).
int runtime_host_check_launch_config(int threads, int block_dim, char* message,
                                     size_t message_size);
// Every function returns 0 or a negative PtoStatus and, on failure, writes a
// one-line reason into `message`.
size_t runtime_host_size();
// Limits for graphs built from now on (process-wide).
int runtime_host_set_graph_limits(int max_tasks, int max_successors, int max_args, char* message,
                                  size_t message_size);
// True once init_runtime has started on the handle (its graph may still be
// building: runtime_host_begin_launch refuses that with its own message).
bool runtime_host_is_initialized(void* handle);
int runtime_host_init(void* handle, const uint8_t* orch_so, size_t orch_so_size,
                      const char* orch_func_name, uint64_t* func_args, int func_args_count,
                      char* message, size_t message_size);
// init with typed arguments (pto_init_runtime_args).
int runtime_host_init_args(void* handle, const uint8_t* orch_so, size_t orch_so_size,
                           const char* orch_func_name, const PtoTaskArg* args, int arg_count,
                           char* message, size_t message_size);
int runtime_host_finalize(void* handle, char* message, size_t message_size);

// Claims the handle for a launch and creates the launch (its block laid
// out and zero-state, kernel entries still unset). PTO_ERR_BUSY when another
// thread is launching or finalizing the same handle.
int runtime_host_begin_launch(void* handle, const RuntimeLaunchSettings& settings,
                              std::shared_ptr<RuntimeLaunch>* out, char* message,
                              size_t message_size);
// Releases the handle's claim; the launch stays the handle's "last launch"
// (records, progress) until the next one or finalize. finalize copies
// outputs back only when the last launch ended with status 0. Returns the
// launch's final status: `status`, or an error (with its message) when the
// runtime saw a misuse while the launch ran (a task added to the frozen
// graph from a thread the orchestration left running).
int runtime_host_end_launch(void* handle, const std::shared_ptr<RuntimeLaunch>& launch,
                            int status, char* message, size_t message_size);

// The graph of an initialised handle: counts, then tasks and edges (times
// after a launch). Return the number copied.
int runtime_host_graph_size(void* handle, int* tasks, int* edges);
int runtime_host_task_records(void* handle, TaskRecordView* out, int capacity);
// Copies up to `capacity` block records of the last launch; with a null `out`
// and capacity 0, returns how many there are. A runtime without blocks has none.
int runtime_host_block_records(void* handle, BlockRecordView* out, int capacity);
int runtime_host_edges(void* handle, int32_t* from, int32_t* to, int capacity);
// Tasks completed so far; safe to call from another thread during a launch.
int runtime_host_progress(void* handle, int* done, int* total);
// The orchestration's cost (see pto_get_orchestration_stats).
int runtime_host_orchestration_stats(void* handle, PtoOrchestrationStats* out);
// Ring sizes (pto_set_ring_sizes / pto_get_ring_sizes): a runtime without
// rings refuses with PTO_ERR_INVALID_ARGUMENT and says so.
int runtime_host_set_ring_sizes(void* handle, const PtoRingSizes* sizes, char* message,
                                size_t message_size);
int runtime_host_ring_sizes(void* handle, PtoRingSizes* out, char* message, size_t message_size);
// Bytes of [host, host + size) covered by the handle's tensor pairs.
int runtime_host_copied_back_bytes(void* handle, const void* host, size_t size, size_t* bytes);
