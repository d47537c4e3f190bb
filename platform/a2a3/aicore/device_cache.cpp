// Keeping AICore's view of a handshake line right (see device_cache.h):
// invalidate before reading a line the AICPU writes, write back (and drop)
// the line after writing it. dcci on a single cache line.
#include "device_cache.h"

#include "aicore_qualifiers.h"

void pto_cache_invalidate_line(__gm__ const void* line) {
    dcci(const_cast<__gm__ void*>(line), SINGLE_CACHE_LINE);
}

void pto_cache_write_back_line(__gm__ const void* line) {
    dcci(const_cast<__gm__ void*>(line), SINGLE_CACHE_LINE, CACHELINE_OUT);
}

void pto_cache_invalidate_range(__gm__ const void* begin, uint32_t bytes) {
    constexpr uint64_t kLine = 64;
    uint64_t at = reinterpret_cast<uint64_t>(begin) & ~(kLine - 1);
    const uint64_t end = reinterpret_cast<uint64_t>(begin) + bytes;
    for (; at < end; at += kLine) dcci(reinterpret_cast<__gm__ void*>(at), SINGLE_CACHE_LINE);
}

void pto_wait_for_kernel_writes() {
    pipe_barrier(PIPE_ALL);
}
