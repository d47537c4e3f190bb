// Device memory on a2a3: allocations through rtMalloc, copies through
// rtMemcpy. Blocks (graph images, launch blocks) are a host staging copy and
// a device buffer: publish copies the staging copy in, collect copies the
// device's back.
#include "device_memory.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "pto_status.h"
#include "raw_device_memory.h"
#include "runtime/rt.h"

namespace {

void* rt_allocate(size_t size) {
    void* p = nullptr;
    return rtMalloc(&p, size, RT_MEMORY_HBM, 0) == RT_ERROR_NONE ? p : nullptr;
}

void* rt_allocate_tracked(size_t size, char* message, size_t message_size) {
    void* p = nullptr;
    int rc = rtMalloc(&p, size, RT_MEMORY_HBM, 0);
    if (rc == RT_ERROR_NONE) return p;
    std::snprintf(message, message_size, "rtMalloc of %zu bytes of device memory failed (%d)", size,
                  rc);
    return nullptr;
}

int rt_release(void* p, char* message, size_t message_size) {
    if (p == nullptr || rtFree(p) == RT_ERROR_NONE) return 0;
    std::snprintf(message, message_size, "rtFree(%p) failed", p);
    return PTO_ERR_DEVICE;
}

int rt_to_device(void* dev, const void* host, size_t n) {
    return rtMemcpy(dev, n, host, n, RT_MEMCPY_HOST_TO_DEVICE) == RT_ERROR_NONE ? 0
                                                                                : PTO_ERR_DEVICE;
}

int rt_from_device(void* host, const void* dev, size_t n) {
    return rtMemcpy(host, n, dev, n, RT_MEMCPY_DEVICE_TO_HOST) == RT_ERROR_NONE ? 0
                                                                                : PTO_ERR_DEVICE;
}

const RawDeviceMemory kRaw{rt_allocate_tracked, rt_release, rt_to_device, rt_from_device, nullptr};

class DeviceStagedBlocks final : public DeviceBlocks {
public:
    int allocate(size_t size, DeviceBlock* out, char* message, size_t message_size) override {
        void* staging = std::calloc(1, size ? size : 1);
        void* device = rt_allocate(size ? size : 1);
        if (staging == nullptr || device == nullptr) {
            std::free(staging);
            char ignored[128];
            rt_release(device, ignored, sizeof ignored);
            std::snprintf(message, message_size,
                          "out of memory for a %zu-byte block (host staging and device)", size);
            return PTO_ERR_OUT_OF_MEMORY;
        }
        out->host = static_cast<uint8_t*>(staging);
        out->device = reinterpret_cast<uint64_t>(device);
        out->size = size;
        return 0;
    }
    int publish(const DeviceBlock& block, char* message, size_t message_size) override {
        if (rt_to_device(reinterpret_cast<void*>(block.device), block.host, block.size) == 0)
            return 0;
        std::snprintf(message, message_size, "copying a %zu-byte block to the device failed",
                      block.size);
        return PTO_ERR_DEVICE;
    }
    int collect(const DeviceBlock& block, char* message, size_t message_size) override {
        if (rt_from_device(block.host, reinterpret_cast<void*>(block.device), block.size) == 0)
            return 0;
        std::snprintf(message, message_size, "copying a %zu-byte block back from the device failed",
                      block.size);
        return PTO_ERR_DEVICE;
    }
    void release(const DeviceBlock& block) override {
        std::free(block.host);
        char ignored[128];
        rt_release(reinterpret_cast<void*>(block.device), ignored, sizeof ignored);
    }
};

}  // namespace

const RawDeviceMemory& platform_raw_device_memory() {
    return kRaw;
}

DeviceBlocks& platform_device_blocks() {
    static DeviceStagedBlocks* blocks = new DeviceStagedBlocks;
    return *blocks;
}
