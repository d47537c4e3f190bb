// Simulated device memory: host memory. Allocations are 64-byte aligned like
// device global memory; blocks (graph images, launch blocks) are zero-filled
// host memory the device threads use in place, so publish and collect have
// nothing to copy (unless staged, below).
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

void* zeroed(size_t size) {
    if (size >= kMappedFrom) {
        void* p = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        return p == MAP_FAILED ? nullptr : p;
    }
    void* p = std::aligned_alloc(kDeviceAlignment, (size + 63) / 64 * 64);
    if (p != nullptr) std::memset(p, 0, size);
    return p;
}

void release_zeroed(void* p, size_t size) {
    if (p == nullptr) return;
    if (size >= kMappedFrom) {
        munmap(p, size);
    } else {
        std::free(p);
    }
}

// Blocks the device threads use in place. With PTO_SIM_STAGED_BLOCKS=1 they
// are staged the device's way instead: the host writes a staging copy,
// publish copies it to a separate "device" buffer and collect copies that
// back, so a test run checks that the runtime never relies on the host
// seeing the device's block during a launch (as on a2a3).
class SimDeviceBlocks final : public DeviceBlocks {
public:
    SimDeviceBlocks() {
        const char* staged = std::getenv("PTO_SIM_STAGED_BLOCKS");
        staged_ = staged != nullptr && std::strcmp(staged, "1") == 0;
    }
    int allocate(size_t size, DeviceBlock* out, char* message, size_t message_size) override {
        void* host = zeroed(size);
        void* device = staged_ && host != nullptr ? zeroed(size) : host;
        if (host == nullptr || device == nullptr) {
            release_zeroed(host, size);
            std::snprintf(message, message_size, "out of memory for a %zu-byte device block: %s",
                          size, std::strerror(errno));
            return PTO_ERR_OUT_OF_MEMORY;
        }
        out->host = static_cast<uint8_t*>(host);
        out->device = reinterpret_cast<uint64_t>(device);
        out->size = size;
        return 0;
    }
    int publish(const DeviceBlock& block, char*, size_t) override {
        if (staged_) std::memcpy(reinterpret_cast<void*>(block.device), block.host, block.size);
        return 0;
    }
    int collect(const DeviceBlock& block, char*, size_t) override {
        if (staged_) std::memcpy(block.host, reinterpret_cast<void*>(block.device), block.size);
        return 0;
    }
    void release(const DeviceBlock& block) override {
        if (staged_) release_zeroed(reinterpret_cast<void*>(block.device), block.size);
        release_zeroed(block.host, block.size);
    }

private:
    bool staged_ = false;
};

}  // namespace

const RawDeviceMemory& platform_raw_device_memory() {
    return kRaw;
}

DeviceBlocks& platform_device_blocks() {
    static SimDeviceBlocks* blocks = new SimDeviceBlocks;  // released into from pool threads late
    return *blocks;
}
