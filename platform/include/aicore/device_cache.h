// Keeping AICore's view of a handshake line right. On the device, AICore
// caches global memory without coherence with the AICPU: before reading a
// line the AICPU writes, the core invalidates it; after writing its own
// line, it writes the line back (dcci, cache-line-out). On the simulator the
// fields are std::atomic with acquire/release and these are no-ops.
//
// A line handed to these is written by one side only, so a write-back never
// carries stale copies of the other side's fields over newer values.
#pragma once

#include "aicore_qualifiers.h"

void pto_cache_invalidate_line(__gm__ const void* line);
void pto_cache_write_back_line(__gm__ const void* line);
