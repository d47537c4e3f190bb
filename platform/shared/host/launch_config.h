// Checks scheduler threads and block_dim against the platform limits and
// each other (CONTRACT.md section 5); the same rules on every platform.
#pragma once

#include <cstddef>
#include <cstdint>

// One launch_runtime call, as every platform's launcher receives it.
struct LaunchRequest {
    void* runtime;
    int aicpu_thread_num;
    int block_dim;
    uint64_t timeout_ns;
    const uint8_t* aicpu_bin;
    size_t aicpu_size;
    const uint8_t* aicore_bin;
    size_t aicore_size;
};

int check_launch_config(int aicpu_thread_num, int block_dim, char* message, size_t message_size);
