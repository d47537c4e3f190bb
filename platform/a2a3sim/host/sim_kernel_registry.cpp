#include "sim_kernel_registry.h"

#include <sys/mman.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <unordered_map>
#include <utility>
#include <vector>

#include "pto_status.h"
#include "shared_object_from_bytes.h"

namespace {

struct TextRange {
    int func_id;
    uint64_t base;
    size_t size;
};

// One registration: the loaded object or the .text mapping, unloaded when
// the registry and every launch holding it let go.
struct RegisteredKernel {
    LoadedSharedObject object;
    void* text = nullptr;
    size_t text_size = 0;
    uint64_t entry = 0;
    int func_id = -1;

    RegisteredKernel() = default;
    RegisteredKernel(const RegisteredKernel&) = delete;
    RegisteredKernel& operator=(const RegisteredKernel&) = delete;
    ~RegisteredKernel();
};

struct Registry {
    std::mutex mutex;
    std::unordered_map<int, std::shared_ptr<RegisteredKernel>> kernels;
    std::vector<TextRange> texts;  // every .text mapping alive, for fault reports
};

Registry& registry() {
    // Never destroyed: a launch abandoned on a hung kernel may release its
    // kernels while the process exits.
    static Registry* r = new Registry;
    return *r;
}

RegisteredKernel::~RegisteredKernel() {
    if (text == nullptr) return;
    Registry& r = registry();
    {
        std::lock_guard<std::mutex> lock(r.mutex);
        for (auto it = r.texts.begin(); it != r.texts.end(); ++it) {
            if (it->base == reinterpret_cast<uint64_t>(text)) {
                r.texts.erase(it);
                break;
            }
        }
    }
    munmap(text, text_size);
}

void install(std::shared_ptr<RegisteredKernel> k) {
    Registry& r = registry();
    // The kernel replaced goes when its last holder lets go; if that is this
    // function, after the lock is released (its destructor takes the lock).
    std::shared_ptr<RegisteredKernel> replaced;
    std::lock_guard<std::mutex> lock(r.mutex);
    if (k->text != nullptr) {
        r.texts.push_back(TextRange{k->func_id, reinterpret_cast<uint64_t>(k->text), k->text_size});
    }
    std::shared_ptr<RegisteredKernel>& slot = r.kernels[k->func_id];
    replaced.swap(slot);
    slot = std::move(k);
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
    auto k = std::make_shared<RegisteredKernel>();
    k->func_id = func_id;
    int rc = k->object.load(bin, size, what, message, message_size);
    if (rc != 0) return rc;
    void* entry = nullptr;
    rc = k->object.resolve("kernel_entry", what, &entry, message, message_size);
    if (rc != 0) return rc;
    k->entry = reinterpret_cast<uint64_t>(entry);
    install(std::move(k));
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
    auto k = std::make_shared<RegisteredKernel>();
    k->func_id = func_id;
    k->text = base;
    k->text_size = size;
    k->entry = reinterpret_cast<uint64_t>(base) + entry_offset;
    install(std::move(k));
    return 0;
}

bool sim_kernel_entry(int func_id, uint64_t* entry, std::shared_ptr<const void>* keep_alive) {
    Registry& r = registry();
    std::lock_guard<std::mutex> lock(r.mutex);
    auto it = r.kernels.find(func_id);
    if (it == r.kernels.end()) return false;
    *entry = it->second->entry;
    *keep_alive = it->second;
    return true;
}

bool sim_text_kernel_at(uint64_t pc, int* func_id, uint64_t* offset) {
    Registry& r = registry();
    std::lock_guard<std::mutex> lock(r.mutex);
    for (const TextRange& t : r.texts) {
        if (pc >= t.base && pc < t.base + t.size) {
            *func_id = t.func_id;
            *offset = pc - t.base;
            return true;
        }
    }
    return false;
}
