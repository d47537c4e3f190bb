// The orchestration shared object, loaded on the AICPU side from the bytes
// the host placed in device memory (through an anonymous file: the AICPU's
// own Linux loads it like any shared object). Closed when this goes.
#pragma once

#include <cstddef>
#include <cstdint>

class OrchestrationObject {
public:
    OrchestrationObject() = default;
    ~OrchestrationObject();
    OrchestrationObject(const OrchestrationObject&) = delete;
    OrchestrationObject& operator=(const OrchestrationObject&) = delete;

    // 0, or -1 with the reason in `message`.
    int load(const void* bytes, size_t size, char* message, size_t message_size);
    void* symbol(const char* name) const;
    // Closes the object now (the destructor does otherwise).
    void unload();
    // Never closes it: code of it may still run on a thread it started.
    void keep_loaded() { handle_ = nullptr; }
    // The loaded object's base (its ELF addresses are offsets from it) and
    // the range its segments span; false when the loader cannot say.
    bool loaded_range(uint64_t* base, uint64_t* begin, uint64_t* end) const;

private:
    void* handle_ = nullptr;
};
