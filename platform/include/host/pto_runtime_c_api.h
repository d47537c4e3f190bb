/// \file pto_runtime_c_api.h
/// The host runtime's C API (`libpto_host.so`). Stable ABI: every function
/// returns 0 on success and a negative ::PtoStatus on failure;
/// pto_last_error() describes the most recent failure on the calling thread
/// in words a user can act on.
///
/// **Call order per run**: get_runtime_size() -> (the caller allocates that
/// many bytes, zero-filled) -> init_runtime() -> launch_runtime() (any number
/// of times) -> finalize_runtime(). init_runtime() builds the task graph and
/// freezes it; every launch runs that same graph.
///
/// **Threads**. Each handle is used by one thread at a time for init, launch
/// and finalize: a launch or finalize while another thread launches or
/// finalizes the same handle is refused with ::PTO_ERR_BUSY. Different
/// handles may be launched from different threads at once.
/// pto_get_progress() may be called from any thread while a launch runs; the
/// other graph calls after launch_runtime() returned. register_kernel(),
/// pto_register_kernel_text() and pto_name_kernel() may be called at any time
/// from any thread: a launch runs the kernels registered when it started (a
/// kernel replaced meanwhile stays loaded until every launch using it has
/// ended), and names handed out stay valid for the life of the process. The
/// process-wide settings (pto_set_run_timeout(), pto_set_graph_limits_ex())
/// apply to launches and graphs started after the call. Device memory calls
/// are safe from any thread.
///
/// The orchestration function runs on the thread calling init_runtime() and
/// must build the graph there: calls to the Runtime from other threads, or
/// after the orchestration returned, fail (see `runtime.h`).
///
/// **Extensions**: the functions named `pto_*` go beyond the historic API;
/// callers that must also work with older libraries look them up with
/// `dlsym` and cope with their absence.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "pto_status.h"

#ifdef __cplusplus
extern "C" {
#endif

/// A runtime handle: get_runtime_size() bytes the caller owns, zero-filled
/// before init_runtime().
typedef void* RuntimeHandle;

/// The bytes a handle takes (allocate them, zero-filled, per handle).
size_t get_runtime_size(void);

/// Loads the orchestration object (`orch_so`, `orch_so_size` bytes, loaded
/// from an anonymous memory file) and calls `orch_func_name` on this thread
/// with `func_args`. host_build_graph: the orchestration builds the graph,
/// which is validated and frozen when it returns. tensormap_and_ringbuffer:
/// the arguments are kept and the orchestration runs on the device at each
/// launch. A failure leaves nothing behind (object closed, memory freed).
int init_runtime(RuntimeHandle rt, const uint8_t* orch_so, size_t orch_so_size,
                 const char* orch_func_name, uint64_t* func_args, int func_args_count);

/// Runs the graph once on `device_id` with `aicpu_thread_num` AICPU threads
/// (1..4) and `block_dim` blocks (one AIC and two AIV cores each), given the
/// AICPU and AICore objects as bytes. The configuration and every func_id's
/// kernel are checked before anything starts; the launch is stopped, with a
/// stall report in pto_last_error(), when no task completes for the run
/// timeout (pto_set_run_timeout()).
int launch_runtime(RuntimeHandle rt, int aicpu_thread_num, int block_dim, int device_id,
                   const uint8_t* aicpu_bin, size_t aicpu_size, const uint8_t* aicore_bin,
                   size_t aicore_size);

/// Copies the recorded outputs back (only after a launch that succeeded) and
/// releases the handle. Device memory a still-running kernel may use (a
/// launch abandoned after a hung kernel) is released when that kernel returns.
int finalize_runtime(RuntimeHandle rt);

/// Selects the device later calls of this thread use (on the simulator its
/// first use starts the device's process).
int set_device(int device_id);
/// Registers the kernel object (bytes of a shared object exporting
/// `kernel_entry`) tasks with `func_id` call; replaces an earlier one.
int register_kernel(int func_id, const uint8_t* bin, size_t bin_size);

/// Allocates device memory: 64-byte aligned and tracked with its size (on the
/// simulator it ends at a guard page). NULL when it cannot.
void* device_malloc(size_t size);
/// Frees a live allocation; anything else does nothing and pto_last_error()
/// says why.
void device_free(void* p);
/// Copies `n` host bytes to device memory; the range must lie inside one
/// allocation.
int copy_to_device(void* dev, const void* host, size_t n);
/// Copies `n` bytes of one device allocation to the host.
int copy_from_device(void* host, const void* dev, size_t n);

/// Message for the last failure on this thread; "" when there was none.
const char* pto_last_error(void);
/// Seconds a run may go without any task completing before it is stopped
/// with a diagnostic. 0 restores the default (60 s).
int pto_set_run_timeout(double seconds);
/// The default limit of arguments per task.
#define PTO_DEFAULT_MAX_ARGS 128
/// Graph limits for handles initialised from now on: tasks per graph
/// (default 16,777,216), successors per task (default 16,777,216: no
/// practical limit) and arguments per task (default #PTO_DEFAULT_MAX_ARGS).
/// Tasks and successors take 1..268,435,456, arguments 1..65,535. Memory
/// follows the graph actually built, not the limits.
int pto_set_graph_limits_ex(int max_tasks, int max_successors, int max_args);
/// The same, keeping the default argument limit.
int pto_set_graph_limits(int max_tasks, int max_successors);
/// Registers a kernel the way the device loads one: only the `.text` section
/// of its object file, copied into executable (device) memory; tasks enter it
/// at `entry_offset` (the entry symbol's offset inside .text). The .text must
/// be self-contained (see `pto-elf check`).
int pto_register_kernel_text(int func_id, const uint8_t* text, size_t size, uint64_t entry_offset);
/// A name for a func_id's kernel (its source file, say), used in diagnostics.
int pto_name_kernel(int func_id, const char* name);
/// The source file of the orchestration the init_runtime() calls that follow
/// on this thread load, used in diagnostics ("orchestration
/// build_example_graph (example_orch.cpp) ..."); null or "" forgets it.
int pto_name_orchestration(const char* source);
/// The core type a func_id's kernel is built for: 0 AIC (cube), 1 AIV
/// (vector). A task that would run it on the other type is refused, naming
/// the task, the func_id, the kernel and both types: by launch_runtime for
/// host_build_graph, at submit (INVALID_ARGS) for tensormap_and_ringbuffer.
/// Never set: not checked.
int pto_set_kernel_core_type(int func_id, int core_type);
/// A name for a host buffer the caller hands to the orchestration (a
/// tensor's name, say), used in diagnostics: a device allocation filled from
/// it (copy_to_device), copied into it or recorded with it for copy-back is
/// called by its name in kernel fault reports, and a kernel that is handed
/// the host buffer's own address is reported as such (on the simulator the
/// range is made inaccessible to kernels, so the access faults there as it
/// would on a device). A null name or size 0 forgets the buffer at `host`.
int pto_name_host_buffer(const void* host, size_t size, const char* name);
/// Names the device buffer device_malloc() returned at `dev`: fault reports
/// and memory errors call it by the name ("device buffer 'scratch'
/// (device_malloc #4, ...)") over one learned from a named host buffer. A
/// null or empty name forgets it. PTO_ERR_INVALID_ARGUMENT when no live
/// allocation starts at `dev`.
int pto_name_device_buffer(const void* dev, const char* name);
/// Simulator only: the process id of device `device_id`'s process (each
/// simulated device runs in a process of its own), or
/// PTO_ERR_NOT_INITIALIZED when it has none now.
int pto_device_process_id(int device_id);

/// The kernel fault that stopped the last launch on this thread, or, with
/// task_id -1, the orchestration's code that ended a device (a runtime whose
/// orchestration runs there: a fault in it, or its exit() or abort() call).
typedef struct PtoKernelFault {
    int task_id;    ///< the task whose kernel faulted; -1: the orchestration
    int func_id;    ///< its func_id (-1 for the orchestration)
    int worker_id;  ///< the worker (core) it ran on (-1 for the orchestration)
    int signal;              ///< SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP, SIGSYS (a call the
                             ///< simulator refuses), SIGABRT; 0 for exit()
    int in_kernel_object;    ///< 1: the instruction is in the kernel's (orchestration's) own object
    int access;              ///< SIGSEGV/SIGBUS: 1 the instruction read the address, 2 wrote it, 0 unknown;
                             ///< | 4: the address lies just under the worker's stack (an overflow)
    uint64_t pc_offset;      ///< instruction address minus its object's load address (for exit()
                             ///< and abort(): inside the call)
    uint64_t fault_address;  ///< data address for SIGSEGV/SIGBUS
    char signal_name[16];   ///< "SIGSEGV", ..., "exit"
    char object_path[256];  ///< the object holding the instruction (as loaded)
} PtoKernelFault;
/// 0 and `out` filled when the last launch on this thread stopped on a kernel
/// fault, or lost its device to the orchestration's code (task_id -1);
/// PTO_ERR_NOT_INITIALIZED otherwise.
int pto_last_kernel_fault(PtoKernelFault* out);

/// One task as the runtime saw it. Times are ns of the device's clock
/// (CLOCK_MONOTONIC on the simulator, the system counter on the device), all
/// four from the same clock; 0 when the task never got there.
typedef struct PtoTaskRecord {
    int32_t task_id;
    int32_t func_id;
    int32_t core_type;  ///< 0 AIC, 1 AIV, 2 MIX (kernels on cores of one cluster), 3 none (a dummy task)
    int32_t worker_id;  ///< -1 if it never ran
    int32_t fanin;      ///< predecessors
    int32_t fanout;     ///< successors
    int32_t scheduler_thread;  ///< which scheduler thread dispatched it
    int32_t state;             ///< 0 waiting, 1 ready, 2 running, 3 done
    uint64_t ready_ns;         ///< last predecessor completed (or launch start)
    uint64_t dispatch_ns;      ///< handed to a worker
    uint64_t start_ns;         ///< kernel entered (stamped by the worker)
    uint64_t end_ns;           ///< kernel returned (stamped by the worker)
    /// Blocks of the task (1 for one kernel on one core); for a task of
    /// several blocks or kernels the times above span all of them, and
    /// worker_id is the core of its last kernel to finish.
    int32_t block_num;
    int32_t slot_mask;  ///< cluster slots its kernels use: 1 AIC, 2 AIV0, 4 AIV1; 0: one kernel of core_type
} PtoTaskRecord;

/// One kernel of one block of a task with several blocks or kernels (the
/// cluster model of tensormap_and_ringbuffer), as it ran.
typedef struct PtoBlockRecord {
    int32_t task_id;
    int32_t block_idx;
    int32_t block_num;
    int32_t slot;              ///< 0 AIC, 1 AIV0, 2 AIV1 (a lone AIV block: 1)
    int32_t worker_id;
    int32_t scheduler_thread;  ///< which scheduler thread dispatched it
    int32_t func_id;           ///< the kernel of its slot
    int32_t reserved;
    uint64_t dispatch_ns;
    uint64_t start_ns;
    uint64_t end_ns;
} PtoBlockRecord;

/// The task graph of an initialised Runtime (after init_runtime, before
/// finalize_runtime; times after launch_runtime, from the last launch).
int pto_graph_size(RuntimeHandle rt, int* tasks, int* edges);
/// Copies up to `capacity` task records, in task order; returns how many were
/// copied.
int pto_get_task_records(RuntimeHandle rt, PtoTaskRecord* out, int capacity);
/// Copies up to `capacity` block records of the last launch, in the order
/// the kernels finished; returns how many were copied. With `out` null and
/// `capacity` 0 it returns how many there are. A run keeps the blocks of its
/// first recorded tasks (PTO2_RECORD_TASKS of them, at most 4 blocks' kernels
/// per task on average); a runtime without blocks has none.
int pto_get_block_records(RuntimeHandle rt, PtoBlockRecord* out, int capacity);
/// Copies up to `capacity` edges (`from[i]` -> `to[i]`); returns how many
/// were copied. Edges come grouped by source task, each group in the order
/// it was added.
int pto_get_edges(RuntimeHandle rt, int32_t* from, int32_t* to, int capacity);
/// Tasks completed so far: may be called from another thread while
/// launch_runtime runs.
int pto_get_progress(RuntimeHandle rt, int* done, int* total);
/// How many bytes of the host range [host, host + size) the orchestration
/// recorded for copy-back (record_tensor_pair), into *bytes: 0 tells a caller
/// that finalize_runtime will leave that buffer as it was (after init_runtime).
int pto_copied_back_bytes(RuntimeHandle rt, const void* host, size_t size, size_t* bytes);

/// What the orchestration cost, apart from running the graph: the tasks it
/// added, the wall time spent in it, and how much of that it spent waiting
/// (for room in a ring, for tensor data). host_build_graph: the orchestration
/// run by init_runtime (waiting is 0). tensormap_and_ringbuffer: the
/// orchestration of the last launch (all zero before a launch).
typedef struct {
    uint64_t tasks;       ///< tasks the orchestration added
    uint64_t elapsed_ns;  ///< wall time in the orchestration
    uint64_t waiting_ns;  ///< of that, time spent waiting
} PtoOrchestrationStats;
/// Fills `out` with the orchestration's cost (see ::PtoOrchestrationStats).
int pto_get_orchestration_stats(RuntimeHandle rt, PtoOrchestrationStats* out);

/// What a typed argument of pto_init_runtime_args() is.
enum PtoArgKind {
    PTO_ARG_SCALAR = 0,  ///< a value, passed as its 64 bits
    PTO_ARG_INPUT = 1,   ///< read by the graph
    PTO_ARG_OUTPUT = 2,  ///< written by the graph, copied back
    PTO_ARG_INOUT = 3,   ///< read and written, copied back
};
/// One typed argument of pto_init_runtime_args(): a tensor (host address,
/// bytes, element type and shape) or a scalar.
typedef struct {
    int32_t kind;   ///< PtoArgKind
    int32_t dtype;  ///< DataType of tensor.h: FLOAT32 = 0, FLOAT16, BFLOAT16, INT8, INT16,
                    ///< INT32, INT64, UINT8, UINT16, UINT32, UINT64, BOOL
    int32_t ndims;  ///< 1..5
    int32_t reserved;  ///< 0
    uint64_t value;   ///< a tensor's host address, or the scalar's 64 bits
    uint64_t nbytes;  ///< a tensor's bytes (its elements times the element size)
    uint64_t shapes[5];  ///< a tensor's shape, `ndims` entries used
} PtoTaskArg;
/// init_runtime() with each argument's kind: what golden.py's list-form
/// generate_inputs describes (tensors and scalars, in order).
/// host_build_graph: the orchestration receives one `uint64_t` per argument
/// (a tensor's host pointer, a scalar's value), as with init_runtime().
/// tensormap_and_ringbuffer: each tensor is copied to device memory and
/// handed to the orchestration as a `ChipTensor` (tensors first, then the
/// scalars, each group in order); OUTPUT and INOUT tensors are copied back by
/// finalize_runtime().
int pto_init_runtime_args(RuntimeHandle rt, const uint8_t* orch_so, size_t orch_so_size,
                          const char* orch_func_name, const PtoTaskArg* args, int arg_count);

/// tensormap_and_ringbuffer's ring sizes for a handle's launches (ring r
/// holds the tasks of scope depth r + 1, the last one the deeper ones too).
/// A field left 0 keeps the environment's value (`PTO2_RING_TASK_WINDOW`,
/// `PTO2_RING_DEP_POOL`, `PTO2_RING_HEAP`, `PTO2_TENSORMAP_ENTRIES`) or the
/// default.
typedef struct {
    uint32_t task_window[4];     ///< tasks alive per ring: a power of two, 4..16,777,216
    uint32_t dep_pool[4];        ///< dependency entries per ring: 1..67,108,864
    uint64_t heap_bytes[4];      ///< heap per ring: a multiple of 1024, 4096..64 GiB
    uint32_t tensormap_entries;  ///< live tensor accesses: 16..16,777,216
    uint32_t reserved;           ///< 0
} PtoRingSizes;
/// Sets the ring sizes `rt`'s later launches use (after init_runtime). A value
/// out of range is PTO_ERR_INVALID_ARGUMENT naming the field; host_build_graph
/// has no rings and refuses.
int pto_set_ring_sizes(RuntimeHandle rt, const PtoRingSizes* sizes);
/// The ring sizes in force: the last launch's, else what the next would use.
int pto_get_ring_sizes(RuntimeHandle rt, PtoRingSizes* out);

#ifdef __cplusplus
}
#endif
