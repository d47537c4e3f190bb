#include "sim_kernel_registry.h"

#include <sys/mman.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>

#include "pto_status.h"
#include "shared_object_from_bytes.h"

namespace {

// Executable memory holding one kernel's .text.
struct TextMapping {
    void* base = nullptr;
    size_t size = 0;
    TextMapping() = default;
    TextMapping(const TextMapping&) = delete;
    TextMapping& operator=(const TextMapping&) = delete;
    TextMapping(TextMapping&& o) noexcept : base(o.base), size(o.size) { o.base = nullptr; }
    TextMapping& operator=(TextMapping&& o) noexcept {
        if (this != &o) {
            release();
            base = o.base;
            size = o.size;
            o.base = nullptr;
        }
        return *this;
    }
    ~TextMapping() { release(); }
    void release() {
        if (base != nullptr) munmap(base, size);
        base = nullptr;
    }
    void leak() { base = nullptr; }
};

struct RegisteredKernel {
    LoadedSharedObject object;  // loaded as a shared object, or
    TextMapping text;           // loaded as raw .text
    uint64_t entry = 0;
};

struct Registry {
    std::mutex mutex;
    std::unordered_map<int, RegisteredKernel> kernels;
    std::unordered_map<int, std::string> names;
    bool pinned = false;

    ~Registry() {
        if (pinned) {
            for (auto& k : kernels) {
                k.second.object.leak();
                k.second.text.leak();
            }
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
    if (it != r.kernels.end() && r.pinned) {
        it->second.object.leak();
        it->second.text.leak();
    }
    r.kernels[func_id] = std::move(k);
    return 0;
}

int sim_register_kernel_text(int func_id, const uint8_t* text, size_t size, uint64_t entry_offset,
                             char* message, size_t message_size) {
    if (func_id < 0) {
        std::snprintf(message, message_size, "register_kernel_text: func_id %d is negative",
                      func_id);
        return PTO_ERR_INVALID_ARGUMENT;
    }
    if (text == nullptr || size == 0 || entry_offset >= size) {
        std::snprintf(message, message_size,
                      "register_kernel_text: func_id %d: entry offset %llu is not inside the %zu "
                      "bytes of .text",
                      func_id, static_cast<unsigned long long>(entry_offset), size);
        return PTO_ERR_INVALID_ARGUMENT;
    }
    // Writable while the bytes are copied in, then read+execute only.
    void* base = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (base == MAP_FAILED) {
        std::snprintf(message, message_size,
                      "register_kernel_text: func_id %d: mmap of %zu bytes failed: %s", func_id,
                      size, std::strerror(errno));
        return PTO_ERR_OUT_OF_MEMORY;
    }
    std::memcpy(base, text, size);
    if (mprotect(base, size, PROT_READ | PROT_EXEC) != 0) {
        std::snprintf(message, message_size,
                      "register_kernel_text: func_id %d: mprotect failed: %s", func_id,
                      std::strerror(errno));
        munmap(base, size);
        return PTO_ERR_LOAD_BINARY;
    }
    __builtin___clear_cache(static_cast<char*>(base), static_cast<char*>(base) + size);
    RegisteredKernel k;
    k.text.base = base;
    k.text.size = size;
    k.entry = reinterpret_cast<uint64_t>(base) + entry_offset;
    Registry& r = registry();
    std::lock_guard<std::mutex> lock(r.mutex);
    auto it = r.kernels.find(func_id);
    if (it != r.kernels.end() && r.pinned) {
        it->second.object.leak();
        it->second.text.leak();
    }
    r.kernels[func_id] = std::move(k);
    return 0;
}

bool sim_text_kernel_at(uint64_t pc, int* func_id, uint64_t* offset) {
    Registry& r = registry();
    std::lock_guard<std::mutex> lock(r.mutex);
    for (auto& k : r.kernels) {
        auto base = reinterpret_cast<uint64_t>(k.second.text.base);
        if (base != 0 && pc >= base && pc < base + k.second.text.size) {
            *func_id = k.first;
            *offset = pc - base;
            return true;
        }
    }
    return false;
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
