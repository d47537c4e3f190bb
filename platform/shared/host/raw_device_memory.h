// What each platform provides under the tracked device memory: allocate and
// free (host memory on the simulator, rtMalloc on a2a3) and the copies.
#pragma once

#include <cstddef>

struct RawDeviceMemory {
    void* (*allocate)(size_t size);  // aligned to kDeviceAlignment
    void (*free)(void* p);
    int (*copy_to_device)(void* dev, const void* host, size_t n);
    int (*copy_from_device)(void* host, const void* dev, size_t n);
};

// Every device allocation starts on this boundary (device global memory
// hands out 64-byte aligned buffers; kernels may rely on it).
constexpr size_t kDeviceAlignment = 64;

const RawDeviceMemory& platform_raw_device_memory();
