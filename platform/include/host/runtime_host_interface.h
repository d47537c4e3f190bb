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

// Every function returns 0 or a negative PtoStatus and, on failure, writes a
// one-line reason into `message`.
size_t runtime_host_size();
bool runtime_host_is_initialized(void* rt);
int runtime_host_init(void* rt, const uint8_t* orch_so, size_t orch_so_size,
                      const char* orch_func_name, uint64_t* func_args, int func_args_count,
                      const DeviceMemoryOps& ops, char* message, size_t message_size);
int runtime_host_prepare_launch(void* rt, const RuntimeLaunchSettings& settings,
                                KernelAddressLookup lookup, char* message, size_t message_size);
// Tells every worker to quit (safety net after the schedulers returned).
void runtime_host_stop_workers(void* rt);
// A worker could not be stopped (it is inside a kernel): finalize must then
// neither copy outputs nor free device memory the kernel may still touch.
void runtime_host_mark_abandoned(void* rt);
int runtime_host_finalize(void* rt, const DeviceMemoryOps& ops, char* message,
                          size_t message_size);
