// The AICPU scheduler and AICore executor objects of the simulator, loaded
// once per distinct content and kept for the life of the process: launches
// after the first skip the memfd write and dlopen, which are most of a short
// launch's fixed cost. (A process rarely sees more than one or two distinct
// runtime builds; each costs a few hundred kilobytes and two descriptors.)
#pragma once

#include <cstddef>
#include <cstdint>

struct SimIdleTuning;

struct SimBinaries {
    int (*aicpu_init)(void* kernel_args);
    int (*aicpu_server)(void* kernel_args);
    void (*aicpu_set_idle_tuning)(const SimIdleTuning* tuning);
    void (*aicore_entry)(void* launch_block, int worker_id, int core_type);
    void (*aicore_set_idle_tuning)(const SimIdleTuning* tuning);
    void (*install_fault_handlers)();
    void (*restore_fault_handlers)();
};

int sim_binaries_for(const uint8_t* aicpu, size_t aicpu_size, const uint8_t* aicore,
                     size_t aicore_size, SimBinaries* out, char* message, size_t message_size);
