// What a runtime's host folder provides to the platform's C API. The platform
// owns devices, memory, kernel registration and launching; the runtime owns
// the layout of its Runtime block and the orchestration. Neither looks inside
// the other.
#pragma once

#include <cstddef>
#include <cstdint>

// Device memory operations of the platform, handed to the runtime so that the
// orchestration's host_api reaches the right device.
struct DeviceMemoryOps {
    void* (*device_malloc)(size_t size);
    void (*device_free)(void* dev_ptr);
    int (*copy_to_device)(void* dev_ptr, const void* host_ptr, size_t size);
    int (*copy_from_device)(void* host_ptr, const void* dev_ptr, size_t size);
};

struct RuntimeLaunchSettings {
    int aicpu_thread_num;
    int block_dim;
    uint64_t timeout_ns;
};

// Maps a func_id to its kernel's entry address; 0 when not registered.
using KernelAddressLookup = uint64_t (*)(int func_id);

// Names a func_id's kernel for diagnostics; nullptr when unknown.
using KernelNameLookup = const char* (*)(int func_id);

// The task whose kernel faulted in the last launch, as the workers recorded it.
struct KernelFaultRecord {
    int task_id;
    int func_id;
    int worker_id;
    int signal;
    uint64_t pc;
    uint64_t address;
};

// What the runtime knows about one task, for traces and summaries.
struct TaskRecordView {
    int32_t task_id, func_id, core_type, worker_id;
    int32_t fanin, fanout, scheduler_thread, state;
    uint64_t ready_ns, dispatch_ns, start_ns, end_ns;
};

// Every function returns 0 or a negative PtoStatus and, on failure, writes a
// one-line reason into `message`.
size_t runtime_host_size();
// Limits for Runtimes initialised from now on (process-wide).
int runtime_host_set_graph_limits(int max_tasks, int max_successors, char* message,
                                  size_t message_size);
bool runtime_host_is_initialized(void* rt);
int runtime_host_init(void* rt, const uint8_t* orch_so, size_t orch_so_size,
                      const char* orch_func_name, uint64_t* func_args, int func_args_count,
                      const DeviceMemoryOps& ops, char* message, size_t message_size);
int runtime_host_prepare_launch(void* rt, const RuntimeLaunchSettings& settings,
                                KernelAddressLookup lookup, char* message, size_t message_size);
// Tells every worker to quit (safety net after the schedulers returned).
void runtime_host_stop_workers(void* rt);
// Stops a launch that could not be set up completely (not every thread
// started): the scheduler threads that did start return `status` at once
// instead of waiting for workers that will never answer.
void runtime_host_abort_launch(void* rt, int status);
// After the schedulers returned from a run that stalled: writes the
// diagnostic (progress, ready queues, busy workers, waiting tasks and their
// predecessors, deadlock vs hung kernel) to stderr.
void runtime_host_report_stall(void* rt, KernelNameLookup names);
// After a run stopped by a kernel fault: the faulting task, if any.
bool runtime_host_find_fault(void* rt, KernelFaultRecord* record);
// Tells the runtime how the launch ended; finalize copies outputs back only
// after a launch that succeeded.
void runtime_host_launch_finished(void* rt, int status);
// The graph of an initialised Runtime: counts, then tasks and edges (valid
// after init_runtime; times after a launch). Return the number copied.
int runtime_host_graph_size(void* rt, int* tasks, int* edges);
int runtime_host_task_records(void* rt, TaskRecordView* out, int capacity);
int runtime_host_edges(void* rt, int32_t* from, int32_t* to, int capacity);
// Tasks completed so far; safe to call from another thread during a launch.
int runtime_host_progress(void* rt, int* done, int* total);
// Device platforms: the Runtime as one block for device memory (after
// prepare_launch), and the run's results read back from it.
size_t runtime_host_device_image_size(void* rt);
void runtime_host_write_device_image(void* rt, uint8_t* staging, uint64_t device_base);
void runtime_host_read_device_image(void* rt, const uint8_t* staging, uint64_t device_base);
// How the last run ended according to the schedulers (0 or a PtoStatus).
int runtime_host_run_status(void* rt);
// A worker could not be stopped (it is inside a kernel): finalize must then
// neither copy outputs nor free device memory the kernel may still touch.
void runtime_host_mark_abandoned(void* rt);
int runtime_host_finalize(void* rt, const DeviceMemoryOps& ops, char* message, size_t message_size);
