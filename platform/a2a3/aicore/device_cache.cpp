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
