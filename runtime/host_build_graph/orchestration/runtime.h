// The orchestration API of host_build_graph: what an orchestration function
// may call while init_runtime runs it on the host.
//
//   extern "C" int build_my_graph(Runtime* rt, uint64_t* args, int arg_count);
//
// The function allocates device memory through rt->host_api, copies inputs,
// records outputs for copy-back (record_tensor_pair), and adds tasks and
// edges. When it returns, init_runtime validates the graph and freezes it:
// from then on it never changes, and every call below fails (add_task
// returns -1) and is reported at the next launch_runtime.
//
// Every call must come from the thread running the orchestration function;
// calls from other threads fail the same way. Runtime is a handle: the
// graph itself lives in the host runtime library, which these inline
// functions call through a table, so an orchestration object links against
// nothing.
#pragma once

#include <cstddef>
#include <cstdint>

#include "core_type.h"

// Device memory operations the orchestration may call (rt->host_api.*).
// Allocations still held at finalize_runtime are freed then.
struct HostApi {
    void* (*device_malloc)(size_t size);
    void (*device_free)(void* dev_ptr);
    int (*copy_to_device)(void* dev_ptr, const void* host_ptr, size_t size);
    int (*copy_from_device)(void* host_ptr, const void* dev_ptr, size_t size);
    // device_malloc, and a name every report calls the buffer by ("device
    // buffer 'scratch' (device_malloc #4, ...)"); a buffer copied from or
    // recorded with a tensor the runner named takes that name without it.
    void* (*device_malloc_named)(size_t size, const char* name);
};

// One task as the orchestration built it. get_task() hands these out while
// the orchestration runs; the runtime reads them when the graph is frozen
// (as init_runtime returns), so an orchestration may still change a task's
// func_id, core type or arguments (not its fanin: add_successor keeps
// that). Arguments beyond the num_args given to add_task need an args array
// of the orchestration's own that lives until init_runtime returns.
struct Task {
    int32_t task_id;
    int32_t func_id;
    int32_t num_args;
    CoreType core_type;
    uint64_t* args;        // the runtime's copy of the task's num_args arguments
    int32_t fanin;         // predecessors so far
    int32_t fanout_count;  // successors so far
};

// How large a graph may grow. The defaults are far beyond any example the
// project knows (see docs/runtimes/host_build_graph.md); they exist to stop a
// runaway orchestration, and can be raised by the orchestration itself
// (Runtime::set_graph_limits), by the C API (pto_set_graph_limits) and by
// the runner (pto-run --max-tasks/--max-successors/--max-args).
constexpr int RUNTIME_DEFAULT_MAX_TASKS = 1 << 24;       // 16,777,216
constexpr int RUNTIME_DEFAULT_MAX_SUCCESSORS = 1 << 24;  // per task: no practical limit
constexpr int RUNTIME_DEFAULT_MAX_ARGS = 128;            // per task
constexpr int RUNTIME_LIMIT_CEILING = 1 << 28;           // the largest tasks/successors limit
constexpr int RUNTIME_MAX_ARGS_CEILING = 65535;          // the largest arguments limit

struct RuntimeSession;  // the graph being built; lives in the host runtime library

// The host library's implementation of the calls below.
struct RuntimeOps {
    int (*add_task)(RuntimeSession*, uint64_t* args, int num_args, int func_id, CoreType type);
    void (*add_successor)(RuntimeSession*, int from_task, int to_task);
    void (*record_tensor_pair)(RuntimeSession*, void* host_ptr, void* dev_ptr, size_t size);
    int (*task_count)(const RuntimeSession*);
    Task* (*get_task)(RuntimeSession*, int task_id);
    void (*print)(const RuntimeSession*);
    int (*set_graph_limits)(RuntimeSession*, int max_tasks, int max_successors, int max_args);
    void (*fail)(RuntimeSession*, const char* message);
};

class Runtime {
public:
    // Adds a task; returns its id, or -1 when a limit is exceeded, an
    // argument is invalid, or the graph is frozen (the reason is reported
    // when init_runtime or launch_runtime fails). `args` is copied.
    int add_task(uint64_t* args, int num_args, int func_id, CoreType core_type) {
        return ops_ ? ops_->add_task(session_, args, num_args, func_id, core_type) : -1;
    }
    // Older orchestration sources pass the core type as an int (0 AIC, 1 AIV).
    int add_task(uint64_t* args, int num_args, int func_id, int core_type) {
        return add_task(args, num_args, func_id, static_cast<CoreType>(core_type));
    }
    // Adds the edge from -> to: `to` runs after `from` completes. Duplicate
    // edges count: `to` waits for each.
    void add_successor(int from_task, int to_task) {
        if (ops_) ops_->add_successor(session_, from_task, to_task);
    }
    // Records an output buffer to copy from device to host at finalize. The
    // device pointer must lie inside a device allocation with `size` bytes
    // from it to the allocation's end.
    void record_tensor_pair(void* host_ptr, void* dev_ptr, size_t size) {
        if (ops_) ops_->record_tensor_pair(session_, host_ptr, dev_ptr, size);
    }
    int get_task_count() const { return ops_ ? ops_->task_count(session_) : 0; }
    // The task while the graph is built; nullptr for an unknown id or once
    // the graph is frozen.
    Task* get_task(int task_id) { return ops_ ? ops_->get_task(session_, task_id) : nullptr; }
    void print_runtime() const {
        if (ops_) ops_->print(session_);
    }
    // Raises (or lowers) this graph's limits; 0, or -1 when a value is out of
    // range (1..RUNTIME_LIMIT_CEILING, arguments 1..RUNTIME_MAX_ARGS_CEILING)
    // or the task limit is below the tasks the graph already holds.
    int set_graph_limits(int max_tasks, int max_successors_per_task, int max_args_per_task) {
        return ops_ ? ops_->set_graph_limits(session_, max_tasks, max_successors_per_task,
                                             max_args_per_task)
                    : -1;
    }
    // Fails init_runtime with this message (the orchestration found its
    // inputs unusable, say); the orchestration should then return non-zero.
    void fail(const char* message) {
        if (ops_) ops_->fail(session_, message);
    }

    HostApi host_api{};

private:
    friend struct RuntimeHandleAccess;  // the host library fills the fields below
    const RuntimeOps* ops_ = nullptr;
    RuntimeSession* session_ = nullptr;
    uint64_t magic_ = 0;
};
