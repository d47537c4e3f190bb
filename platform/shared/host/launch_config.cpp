#include "launch_config.h"

#include <cstdio>

#include "platform_limits.h"
#include "pto_status.h"

int check_launch_config(int threads, int block_dim, char* message, size_t message_size) {
    if (threads < 1 || threads > PLATFORM_MAX_AICPU_THREADS) {
        std::snprintf(message, message_size,
                      "aicpu_thread_num %d is out of range: use 1..%d scheduler threads", threads,
                      PLATFORM_MAX_AICPU_THREADS);
        return PTO_ERR_BAD_LAUNCH_CONFIG;
    }
    if (block_dim < 1 || block_dim > PLATFORM_MAX_BLOCK_DIM) {
        std::snprintf(message, message_size, "block_dim %d is out of range: use 1..%d", block_dim,
                      PLATFORM_MAX_BLOCK_DIM);
        return PTO_ERR_BAD_LAUNCH_CONFIG;
    }
    // Clusters are dealt out whole (scheduler_slice.h): each thread needs one.
    if (block_dim < threads) {
        std::snprintf(message, message_size,
                      "block_dim %d gives %d cluster(s), fewer than the %d scheduler threads: "
                      "each scheduler thread owns at least one whole cluster; give a block_dim "
                      "of %d or more, or fewer threads",
                      block_dim, block_dim, threads, threads);
        return PTO_ERR_BAD_LAUNCH_CONFIG;
    }
    return 0;
}
