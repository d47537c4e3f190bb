#include "host_buffers.h"

#include <cstdio>
#include <iterator>
#include <map>
#include <mutex>
#include <string>
#include <unordered_set>

#include "pto_status.h"
#include "raw_device_memory.h"

namespace {

struct Buffers {
    std::mutex mutex;
    std::map<uint64_t, HostBuffer> by_base;
    std::unordered_set<std::string> names;  // node-based: entries never move
};

Buffers& buffers() {
    static Buffers* b = new Buffers;  // outlives static destruction (late reports)
    return *b;
}

}  // namespace

const char* intern_name(const char* name) {
    Buffers& b = buffers();
    std::lock_guard<std::mutex> lock(b.mutex);
    return b.names.insert(name).first->c_str();
}

int host_buffer_name(const void* host, size_t size, const char* name, char* message,
                     size_t message_size) {
    auto base = reinterpret_cast<uint64_t>(host);
    if (host == nullptr && name != nullptr && size > 0) {
        std::snprintf(message, message_size, "pto_name_host_buffer: the buffer is null");
        return PTO_ERR_INVALID_ARGUMENT;
    }
    if (size > UINT64_MAX - base) {
        std::snprintf(message, message_size,
                      "pto_name_host_buffer: %zu bytes at %p run past the end of the address "
                      "space",
                      size, host);
        return PTO_ERR_INVALID_ARGUMENT;
    }
    const char* kept = name != nullptr && size > 0 ? intern_name(name) : nullptr;
    Buffers& b = buffers();
    {
        std::lock_guard<std::mutex> lock(b.mutex);
        if (kept == nullptr) {
            b.by_base.erase(base);
            return 0;
        }
        // Buffers this one overlaps were freed and their memory reused.
        auto it = b.by_base.lower_bound(base);
        if (it != b.by_base.begin() &&
            std::prev(it)->second.base + std::prev(it)->second.size > base)
            --it;
        while (it != b.by_base.end() && it->first < base + size) it = b.by_base.erase(it);
        b.by_base[base] = HostBuffer{base, size, kept};
    }
    if (auto named = platform_raw_device_memory().host_buffer_named) {
        return named(base, size, message, message_size);
    }
    return 0;
}

bool host_buffer_containing(uint64_t address, HostBuffer* out) {
    Buffers& b = buffers();
    std::lock_guard<std::mutex> lock(b.mutex);
    auto it = b.by_base.upper_bound(address);
    if (it == b.by_base.begin()) return false;
    --it;
    if (address - it->second.base >= it->second.size) return false;
    *out = it->second;
    return true;
}

void host_buffers_each(void (*visit)(const HostBuffer& buffer, void* context), void* context) {
    Buffers& b = buffers();
    std::lock_guard<std::mutex> lock(b.mutex);
    for (const auto& [base, buffer] : b.by_base) visit(buffer, context);
}
