// Tracked device allocations: every live allocation with its size, so that
// copies, frees and recorded outputs are checked against the allocation
// they claim to be in instead of corrupting memory.
#include "device_memory.h"

#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <iterator>
#include <map>
#include <mutex>

#include "host_buffers.h"
#include "pto_status.h"
#include "raw_device_memory.h"

namespace {

struct Table {
    std::mutex mutex;
    std::map<uint64_t, DeviceAllocation> live;  // by base address
    uint64_t next_id = 1;
};

Table& table() {
    static Table* t = new Table;  // outlives static destruction (pool threads may free late)
    return *t;
}

// Guarded by the table's mutex.
const DeviceAllocation* containing(Table& t, uint64_t address) {
    auto it = t.live.upper_bound(address);
    if (it == t.live.begin()) return nullptr;
    --it;
    const DeviceAllocation& a = it->second;
    return address < a.base + (a.size ? a.size : 1) ? &a : nullptr;
}

int check_range(const char* what, const void* dev, size_t n, char* message, size_t message_size) {
    auto address = reinterpret_cast<uint64_t>(dev);
    Table& t = table();
    std::lock_guard<std::mutex> lock(t.mutex);
    const DeviceAllocation* a = containing(t, address);
    if (a == nullptr) {
        std::snprintf(message, message_size,
                      "%s: 0x%" PRIx64
                      " is not device memory (no device_malloc allocation holds "
                      "it); pass a pointer device_malloc returned",
                      what, address);
        return PTO_ERR_INVALID_ARGUMENT;
    }
    if (n > a->base + a->size - address) {
        std::snprintf(message, message_size,
                      "%s: %zu bytes at 0x%" PRIx64 " run %zu bytes past the end of %s", what, n,
                      address, static_cast<size_t>(address + n - (a->base + a->size)),
                      device_allocation_text(*a).c_str());
        return PTO_ERR_INVALID_ARGUMENT;
    }
    return 0;
}

}  // namespace

void* device_allocate(size_t size, uint64_t* id, char* message, size_t message_size) {
    // Rounding up to the alignment must not wrap around (SIZE_MAX would
    // otherwise become a 0- or 64-byte buffer).
    constexpr size_t kLargest = (SIZE_MAX / 2) & ~(kDeviceAlignment - 1);
    if (size > kLargest) {
        std::snprintf(message, message_size,
                      "device_malloc: %zu bytes is more than any device can hold (at most %zu)",
                      size, kLargest);
        return nullptr;
    }
    size_t rounded = (size + kDeviceAlignment - 1) / kDeviceAlignment * kDeviceAlignment;
    char why[400] = {};
    void* p = platform_raw_device_memory().allocate(rounded ? rounded : kDeviceAlignment, why,
                                                    sizeof why);
    if (p == nullptr) {
        std::snprintf(message, message_size, "device_malloc: %s",
                      why[0] ? why : "out of device memory");
        return nullptr;
    }
    Table& t = table();
    std::lock_guard<std::mutex> lock(t.mutex);
    auto base = reinterpret_cast<uint64_t>(p);
    uint64_t assigned = t.next_id++;
    t.live[base] = DeviceAllocation{base, size, assigned, nullptr};
    if (id != nullptr) *id = assigned;
    return p;
}

bool device_release(void* p, uint64_t id, char* message, size_t message_size) {
    auto base = reinterpret_cast<uint64_t>(p);
    Table& t = table();
    {
        std::lock_guard<std::mutex> lock(t.mutex);
        auto it = t.live.find(base);
        if (it == t.live.end() || (id != 0 && it->second.id != id)) {
            std::snprintf(message, message_size,
                          "device_free: 0x%" PRIx64
                          " is not a live device allocation (freed "
                          "already, or not from device_malloc); nothing was freed",
                          base);
            return false;
        }
        t.live.erase(it);
    }
    char why[512] = {};
    if (platform_raw_device_memory().free(p, why, sizeof why) != 0) {
        std::snprintf(message, message_size, "device_free: the allocation at 0x%" PRIx64
                      " was freed, but %s", base, why);
        return false;
    }
    return true;
}

bool device_allocation_containing(const void* p, DeviceAllocation* out) {
    Table& t = table();
    std::lock_guard<std::mutex> lock(t.mutex);
    const DeviceAllocation* a = containing(t, reinterpret_cast<uint64_t>(p));
    if (a == nullptr) return false;
    *out = *a;
    return true;
}

bool device_allocation_live(uint64_t base, uint64_t id) {
    Table& t = table();
    std::lock_guard<std::mutex> lock(t.mutex);
    auto it = t.live.find(base);
    return it != t.live.end() && it->second.id == id;
}

int device_copy_to(void* dev, const void* host, size_t n, char* message, size_t message_size) {
    if (n == 0) return 0;
    if (host == nullptr) {
        std::snprintf(message, message_size, "copy_to_device: the host pointer is null");
        return PTO_ERR_INVALID_ARGUMENT;
    }
    int rc = check_range("copy_to_device", dev, n, message, message_size);
    if (rc != 0) return rc;
    rc = platform_raw_device_memory().copy_to_device(dev, host, n);
    if (rc != 0) std::snprintf(message, message_size, "copy_to_device: %zu bytes failed", n);
    if (rc == 0) device_allocation_learn_name(dev, host);
    return rc;
}

int device_copy_from(void* host, const void* dev, size_t n, char* message, size_t message_size) {
    if (n == 0) return 0;
    if (host == nullptr) {
        std::snprintf(message, message_size, "copy_from_device: the host pointer is null");
        return PTO_ERR_INVALID_ARGUMENT;
    }
    int rc = check_range("copy_from_device", dev, n, message, message_size);
    if (rc != 0) return rc;
    rc = platform_raw_device_memory().copy_from_device(host, dev, n);
    if (rc != 0) std::snprintf(message, message_size, "copy_from_device: %zu bytes failed", n);
    if (rc == 0) device_allocation_learn_name(dev, host);
    return rc;
}

int device_allocation_set_name(const void* dev, const char* name, char* message,
                               size_t message_size) {
    const char* kept = name != nullptr && *name != '\0' ? intern_name(name) : nullptr;
    Table& t = table();
    std::lock_guard<std::mutex> lock(t.mutex);
    auto it = t.live.find(reinterpret_cast<uint64_t>(dev));
    if (it == t.live.end()) {
        std::snprintf(message, message_size,
                      "naming device memory: %p is not the start of a live device allocation "
                      "(pass the pointer device_malloc returned)",
                      dev);
        return PTO_ERR_INVALID_ARGUMENT;
    }
    it->second.name = kept;
    return 0;
}

std::string device_allocation_text(const DeviceAllocation& a) {
    char text[160];
    std::snprintf(text, sizeof text, "(device_malloc #%" PRIu64 ", %zu bytes at 0x%" PRIx64 ")",
                  a.id, a.size, a.base);
    return std::string("device buffer ") + (a.name ? std::string("'") + a.name + "' " : "") + text;
}

void device_allocation_learn_name(const void* dev, const void* host) {
    HostBuffer buffer;
    if (!host_buffer_containing(reinterpret_cast<uint64_t>(host), &buffer)) return;
    Table& t = table();
    std::lock_guard<std::mutex> lock(t.mutex);
    auto it = t.live.upper_bound(reinterpret_cast<uint64_t>(dev));
    if (it == t.live.begin()) return;
    --it;
    DeviceAllocation& a = it->second;
    if (reinterpret_cast<uint64_t>(dev) - a.base < (a.size ? a.size : 1) && a.name == nullptr) {
        a.name = buffer.name;
    }
}
