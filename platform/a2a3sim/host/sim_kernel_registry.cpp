#include "sim_kernel_registry.h"

#include <cstdio>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>

#include "pto_status.h"
#include "shared_object_from_bytes.h"

namespace {

struct RegisteredKernel {
    LoadedSharedObject object;
    uint64_t entry = 0;
};

struct Registry {
    std::mutex mutex;
    std::unordered_map<int, RegisteredKernel> kernels;
    std::unordered_map<int, std::string> names;
    bool pinned = false;

    ~Registry() {
        if (pinned) {
            for (auto& k : kernels) k.second.object.leak();
        }
    }
};

Registry& registry() {
    static Registry r;
    return r;
}

}  // namespace

int sim_register_kernel(int func_id, const uint8_t* bin, size_t size, char* message,
                        size_t message_size) {
    if (func_id < 0) {
        std::snprintf(message, message_size, "register_kernel: func_id %d is negative", func_id);
        return PTO_ERR_INVALID_ARGUMENT;
    }
    char what[48];
    std::snprintf(what, sizeof what, "kernel func_id %d", func_id);
    RegisteredKernel k;
    int rc = k.object.load(bin, size, what, message, message_size);
    if (rc != 0) return rc;
    void* entry = nullptr;
    rc = k.object.resolve("kernel_entry", what, &entry, message, message_size);
    if (rc != 0) return rc;
    k.entry = reinterpret_cast<uint64_t>(entry);

    Registry& r = registry();
    std::lock_guard<std::mutex> lock(r.mutex);
    auto it = r.kernels.find(func_id);
    if (it != r.kernels.end() && r.pinned) it->second.object.leak();
    r.kernels[func_id] = std::move(k);
    return 0;
}

uint64_t sim_kernel_address(int func_id) {
    Registry& r = registry();
    std::lock_guard<std::mutex> lock(r.mutex);
    auto it = r.kernels.find(func_id);
    return it == r.kernels.end() ? 0 : it->second.entry;
}

int sim_name_kernel(int func_id, const char* name) {
    if (name == nullptr) return PTO_ERR_INVALID_ARGUMENT;
    Registry& r = registry();
    std::lock_guard<std::mutex> lock(r.mutex);
    r.names[func_id] = name;
    return 0;
}

const char* sim_kernel_name(int func_id) {
    Registry& r = registry();
    std::lock_guard<std::mutex> lock(r.mutex);
    auto it = r.names.find(func_id);
    // Names are never erased, so the pointer stays valid.
    return it == r.names.end() ? nullptr : it->second.c_str();
}

void sim_pin_kernels() {
    Registry& r = registry();
    std::lock_guard<std::mutex> lock(r.mutex);
    r.pinned = true;
}
