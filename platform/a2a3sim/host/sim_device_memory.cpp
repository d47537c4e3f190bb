#include "sim_device_memory.h"

#include <cstdlib>
#include <cstring>

#include "pto_status.h"

namespace {

constexpr size_t kAlignment = 64;

void* sim_malloc(size_t size) {
    size_t rounded = (size + kAlignment - 1) / kAlignment * kAlignment;
    return std::aligned_alloc(kAlignment, rounded ? rounded : kAlignment);
}

void sim_free(void* p) {
    std::free(p);
}

int sim_copy_to_device(void* dev, const void* host, size_t n) {
    if (n > 0 && (dev == nullptr || host == nullptr)) return PTO_ERR_INVALID_ARGUMENT;
    if (n > 0) std::memcpy(dev, host, n);
    return 0;
}

int sim_copy_from_device(void* host, const void* dev, size_t n) {
    if (n > 0 && (dev == nullptr || host == nullptr)) return PTO_ERR_INVALID_ARGUMENT;
    if (n > 0) std::memcpy(host, dev, n);
    return 0;
}

const DeviceMemoryOps kOps{sim_malloc, sim_free, sim_copy_to_device, sim_copy_from_device};

}  // namespace

const DeviceMemoryOps& sim_device_memory_ops() {
    return kOps;
}
