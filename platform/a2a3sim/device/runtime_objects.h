// The AICPU scheduler and AICore executor objects the host sent, loaded in
// this process by the host's runtime id and kept for the life of the
// process (a host rarely uses more than one or two runtime builds).
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "loaded_object.h"

struct SimIdleTuning;

struct RuntimeEntryPoints {
    int (*aicpu_init)(void* kernel_args);
    int (*aicpu_server)(void* kernel_args);
    void (*aicpu_set_idle_tuning)(const SimIdleTuning* tuning);
    void (*aicore_entry)(void* launch_block, int worker_id, int core_type);
    void (*aicore_set_idle_tuning)(const SimIdleTuning* tuning);
    void (*install_fault_handlers)();
    void (*restore_fault_handlers)();
    bool (*fail_kernel)(int signal, uint64_t pc, uint64_t detail);
    // A scheduler thread runs a unit it dispatched itself (unit_here.h):
    // the AICore object's call that runs it, and where the AICPU object
    // learns of the device's runner around it.
    void (*aicore_run_here)(void* launch_block, int worker_id);
    void (*aicpu_set_unit_runner)(void (*runner)(int worker_id, uint64_t budget_ns,
                                                 void (*on_timeout)(void*), void* context));
};

class RuntimeObjects {
public:
    // Loads the pair (taking the descriptors); 0, or a PtoStatus with the reason.
    int load(uint64_t runtime_id, int aicpu_fd, int aicore_fd, std::string* message);
    // The entry points of a loaded pair; false when the id is unknown.
    bool find(uint64_t runtime_id, RuntimeEntryPoints* out) const;
    // The name of the loaded object whose mapping starts at `base`, if any.
    const char* name_of(const void* base) const;

private:
    struct Pair {
        LoadedObject aicpu;
        LoadedObject aicore;
        const void* aicpu_base = nullptr;
        const void* aicore_base = nullptr;
        RuntimeEntryPoints entry{};
    };
    mutable std::mutex mutex_;
    std::unordered_map<uint64_t, std::unique_ptr<Pair>> pairs_;
};
