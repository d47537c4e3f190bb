// Simulated device memory: allocations and the runtime's blocks come from
// the device arena (device_arena.h), shared with the device processes, so
// publish and collect have nothing to copy (unless staged, below) and the
// host's copies are plain memory copies into the shared mapping.
#include <sys/mman.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "device_arena.h"
#include "device_memory.h"
#include "pto_status.h"
#include "raw_device_memory.h"
#include "sim_devices.h"
#include "simulated_device.h"

namespace {

void* sim_allocate(size_t size, char* message, size_t message_size) {
    DeviceArena* arena = DeviceArena::get(message, message_size);
    return arena ? arena->allocate(size, ExtentKind::kAllocation, message, message_size) : nullptr;
}

int sim_free(void* p, char* message, size_t message_size) {
    DeviceArena* arena = DeviceArena::get(message, message_size);
    if (arena == nullptr) return PTO_ERR_DEVICE;
    // Tracked by device_memory.cpp: what reaches here is live.
    int rc = arena->release(p, message, message_size);
    return rc < 0 ? rc : 0;
}

int sim_copy_to_device(void* dev, const void* host, size_t n) {
    std::memcpy(dev, host, n);
    return 0;
}

int sim_copy_from_device(void* host, const void* dev, size_t n) {
    std::memcpy(host, dev, n);
    return 0;
}

// A named host buffer is made inaccessible in every device process, so a
// kernel handed its address faults (and the report names it).
int sim_host_buffer_named(uint64_t base, size_t size, char* message, size_t message_size) {
    struct Range {
        uint64_t base;
        size_t size;
        int rc;
        char* message;
        size_t message_size;
    } range{base, size, 0, message, message_size};
    sim_devices_each(
        [](SimulatedDevice& device, void* r) {
            auto* range = static_cast<Range*>(r);
            if (range->rc != 0) return;
            range->rc = device.reserve_host_range(range->base, range->size, range->message,
                                                  range->message_size);
        },
        &range);
    return range.rc;
}

const RawDeviceMemory kRaw{sim_allocate, sim_free, sim_copy_to_device, sim_copy_from_device,
                           sim_host_buffer_named};

// A zero-filled host buffer for a staged block's host view: fresh pages.
void* zeroed_host(size_t size) {
    void* p =
        mmap(nullptr, size ? size : 1, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    return p == MAP_FAILED ? nullptr : p;
}

// Blocks the device threads use in place, in device memory. With
// PTO_SIM_STAGED_BLOCKS=1 they are staged the device's way instead: the host
// writes a host copy, publish copies it into device memory and collect
// copies it back, so a test run checks that the runtime never relies on the
// host seeing the device's block during a launch (as on a2a3).
class SimDeviceBlocks final : public DeviceBlocks {
public:
    SimDeviceBlocks() {
        const char* staged = std::getenv("PTO_SIM_STAGED_BLOCKS");
        staged_ = staged != nullptr && std::strcmp(staged, "1") == 0;
    }
    int allocate(size_t size, DeviceBlock* out, char* message, size_t message_size) override {
        DeviceArena* arena = DeviceArena::get(message, message_size);
        if (arena == nullptr) return PTO_ERR_OUT_OF_MEMORY;
        void* device = arena->allocate(size, ExtentKind::kRuntimeBlock, message, message_size);
        if (device == nullptr) return PTO_ERR_OUT_OF_MEMORY;
        void* host = staged_ ? zeroed_host(size) : device;
        if (host == nullptr) {
            char ignored[256];
            arena->release(device, ignored, sizeof ignored);
            std::snprintf(message, message_size,
                          "out of host memory for a %zu-byte staging block: %s", size,
                          std::strerror(errno));
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
        char message[512];
        if (DeviceArena* arena = DeviceArena::get(message, sizeof message)) {
            // Nobody to hand a failure to (blocks go when their last user
            // lets go): it is said on stderr.
            if (arena->release(reinterpret_cast<void*>(block.device), message, sizeof message) < 0) {
                std::fprintf(stderr, "[pto] releasing a runtime block: %s\n", message);
            }
        }
        if (staged_) munmap(block.host, block.size ? block.size : 1);
    }

private:
    bool staged_ = false;
};

}  // namespace

const RawDeviceMemory& platform_raw_device_memory() {
    return kRaw;
}

DeviceBlocks& platform_device_blocks() {
    static SimDeviceBlocks* blocks = new SimDeviceBlocks;  // released into from any thread, late
    return *blocks;
}
