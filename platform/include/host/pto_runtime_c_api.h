// The host runtime's C API. Stable ABI: every function returns 0 on success
// and a negative PtoStatus on failure; pto_last_error() describes the most
// recent failure on the calling thread in words a user can act on.
//
// Call order per run: get_runtime_size -> (caller allocates, zero-filled) ->
// init_runtime -> launch_runtime -> finalize_runtime. Kernels registered with
// register_kernel stay registered until the library is unloaded.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "pto_status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef void* RuntimeHandle;

size_t get_runtime_size(void);

int init_runtime(RuntimeHandle rt, const uint8_t* orch_so, size_t orch_so_size,
                 const char* orch_func_name, uint64_t* func_args, int func_args_count);

int launch_runtime(RuntimeHandle rt, int aicpu_thread_num, int block_dim, int device_id,
                   const uint8_t* aicpu_bin, size_t aicpu_size, const uint8_t* aicore_bin,
                   size_t aicore_size);

int finalize_runtime(RuntimeHandle rt);

int set_device(int device_id);
int register_kernel(int func_id, const uint8_t* bin, size_t bin_size);

void* device_malloc(size_t size);
void device_free(void* p);
int copy_to_device(void* dev, const void* host, size_t n);
int copy_from_device(void* host, const void* dev, size_t n);

// Extensions beyond the historic API (callers should look them up with dlsym
// and cope with their absence).

// Message for the last failure on this thread; "" when there was none.
const char* pto_last_error(void);
// Seconds a run may go without any task completing before it is stopped
// with a diagnostic. 0 restores the default.
int pto_set_run_timeout(double seconds);
// Raise (or lower) the graph limits for Runtimes initialised from now on:
// tasks per graph (default 4096, at most 16777216) and successors per task
// (default 512). Memory follows the tasks actually added, not the limit.
int pto_set_graph_limits(int max_tasks, int max_successors);
// Registers a kernel the way the device loads one: only the `.text` section
// of its object file, copied into executable (device) memory; tasks enter it
// at `entry_offset` (the entry symbol's offset inside .text). The .text must
// be self-contained (see `pto-elf check`).
int pto_register_kernel_text(int func_id, const uint8_t* text, size_t size, uint64_t entry_offset);
// A name for a func_id's kernel (its source file, say), used in diagnostics.
int pto_name_kernel(int func_id, const char* name);

// The kernel fault that stopped the last launch on this thread.
typedef struct PtoKernelFault {
    int task_id;
    int func_id;
    int worker_id;
    int signal;              // SIGSEGV, SIGBUS, SIGILL, SIGFPE
    int in_kernel_object;    // 1: the instruction is in the kernel's own object
    uint64_t pc_offset;      // instruction address minus its object's load address
    uint64_t fault_address;  // data address for SIGSEGV/SIGBUS
    char signal_name[16];
    char object_path[256];  // the object holding the instruction (as loaded)
} PtoKernelFault;
// 0 and `out` filled when the last launch on this thread stopped on a kernel
// fault; PTO_ERR_NOT_INITIALIZED otherwise.
int pto_last_kernel_fault(PtoKernelFault* out);

// One task as the runtime saw it. Times are CLOCK_MONOTONIC ns on the
// simulator (the device fills the same fields from its counter); 0 when the
// task never got there. core_type: 0 AIC, 1 AIV.
typedef struct PtoTaskRecord {
    int32_t task_id;
    int32_t func_id;
    int32_t core_type;
    int32_t worker_id;  // -1 if it never ran
    int32_t fanin;
    int32_t fanout;
    int32_t scheduler_thread;  // which scheduler thread dispatched it
    int32_t state;             // 0 pending, 1 ready, 2 running, 3 done
    uint64_t ready_ns;         // last predecessor completed (or launch start)
    uint64_t dispatch_ns;      // handed to a worker
    uint64_t start_ns;         // kernel entered (stamped by the worker)
    uint64_t end_ns;           // kernel returned (stamped by the worker)
} PtoTaskRecord;

// The task graph of an initialised Runtime (after init_runtime, before
// finalize_runtime; times after launch_runtime).
int pto_graph_size(RuntimeHandle rt, int* tasks, int* edges);
// Copy up to `capacity` records / edges; return how many were copied.
int pto_get_task_records(RuntimeHandle rt, PtoTaskRecord* out, int capacity);
int pto_get_edges(RuntimeHandle rt, int32_t* from, int32_t* to, int capacity);
// Tasks completed so far: may be called from another thread while
// launch_runtime runs.
int pto_get_progress(RuntimeHandle rt, int* done, int* total);

#ifdef __cplusplus
}
#endif
