// Runs one launch on the simulator: AICPU scheduler threads and AICore worker
// threads, all host threads, over the given Runtime.
#pragma once

#include <cstddef>
#include <cstdint>

struct SimLaunchRequest {
    void* runtime;
    int aicpu_thread_num;
    int block_dim;
    uint64_t timeout_ns;
    const uint8_t* aicpu_bin;
    size_t aicpu_size;
    const uint8_t* aicore_bin;
    size_t aicore_size;
};

int sim_launch(const SimLaunchRequest& request, char* message, size_t message_size);
