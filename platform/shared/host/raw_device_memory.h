// What each platform provides under the tracked device memory: allocate and
// free (host memory on the simulator, rtMalloc on a2a3) and the copies.
#pragma once

#include <cstddef>
#include <cstdint>

struct RawDeviceMemory {
    // Aligned to kDeviceAlignment; null with the reason in `message`.
    void* (*allocate)(size_t size, char* message, size_t message_size);
    // 0, or a PtoStatus with the reason (the memory is freed all the same).
    int (*free)(void* p, char* message, size_t message_size);
    int (*copy_to_device)(void* dev, const void* host, size_t n);
    int (*copy_from_device)(void* host, const void* dev, size_t n);
    // Told of every host buffer the caller names (host_buffers.h); null
    // where device code cannot reach host memory anyway. The simulator makes
    // the range inaccessible in its device processes. 0, or a PtoStatus
    // with the reason.
    int (*host_buffer_named)(uint64_t base, size_t size, char* message, size_t message_size);
};

// Every device allocation starts on this boundary (device global memory
// hands out 64-byte aligned buffers; kernels may rely on it).
constexpr size_t kDeviceAlignment = 64;

const RawDeviceMemory& platform_raw_device_memory();
