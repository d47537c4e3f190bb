// Simulated device memory: host memory. Allocations are 64-byte aligned like
// device global memory; blocks (graph images, launch blocks) are zero-filled
// host memory the device threads use in place, so publish and collect have
// nothing to copy.
#include <sys/mman.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "device_memory.h"
#include "pto_status.h"
#include "raw_device_memory.h"

namespace {

void* sim_allocate(size_t size) {
    return std::aligned_alloc(kDeviceAlignment, size);
}

void sim_free(void* p) {
    std::free(p);
}

int sim_copy_to_device(void* dev, const void* host, size_t n) {
    std::memcpy(dev, host, n);
    return 0;
}

int sim_copy_from_device(void* host, const void* dev, size_t n) {
    std::memcpy(host, dev, n);
    return 0;
}

const RawDeviceMemory kRaw{sim_allocate, sim_free, sim_copy_to_device, sim_copy_from_device};

// Small blocks come from the heap; large ones are fresh mappings, whose
// zero pages cost nothing until a task's state is first written.
constexpr size_t kMappedFrom = 256 * 1024;

class SimDeviceBlocks final : public DeviceBlocks {
public:
    int allocate(size_t size, DeviceBlock* out, char* message, size_t message_size) override {
        void* p = nullptr;
        if (size >= kMappedFrom) {
            p = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
            if (p == MAP_FAILED) p = nullptr;
        } else {
            p = std::aligned_alloc(kDeviceAlignment, (size + 63) / 64 * 64);
            if (p != nullptr) std::memset(p, 0, size);
        }
        if (p == nullptr) {
            std::snprintf(message, message_size, "out of memory for a %zu-byte device block: %s",
                          size, std::strerror(errno));
            return PTO_ERR_OUT_OF_MEMORY;
        }
        out->host = static_cast<uint8_t*>(p);
        out->device = reinterpret_cast<uint64_t>(p);
        out->size = size;
        return 0;
    }
    int publish(const DeviceBlock&, char*, size_t) override { return 0; }
    int collect(const DeviceBlock&, char*, size_t) override { return 0; }
    void release(const DeviceBlock& block) override {
        if (block.host == nullptr) return;
        if (block.size >= kMappedFrom) {
            munmap(block.host, block.size);
        } else {
            std::free(block.host);
        }
    }
};

}  // namespace

const RawDeviceMemory& platform_raw_device_memory() {
    return kRaw;
}

DeviceBlocks& platform_device_blocks() {
    static SimDeviceBlocks* blocks = new SimDeviceBlocks;  // released into from pool threads late
    return *blocks;
}
