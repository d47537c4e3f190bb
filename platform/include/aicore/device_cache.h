// Keeping AICore's view of a handshake line right. On the device, AICore
// caches global memory without coherence with the AICPU: before reading a
// line the AICPU writes, the core invalidates it; after writing its own
// line, it writes the line back (dcci, cache-line-out). On the simulator the
// fields are std::atomic with acquire/release and these are no-ops.
//
// A line handed to these is written by one side only, so a write-back never
// carries stale copies of the other side's fields over newer values.
#pragma once

#include <cstdint>

#include "aicore_qualifiers.h"

void pto_cache_invalidate_line(__gm__ const void* line);
void pto_cache_write_back_line(__gm__ const void* line);
// Invalidates every cache line of [begin, begin + bytes): a task's
// argument words and descriptors, which the AICPU rewrites within a launch.
void pto_cache_invalidate_range(__gm__ const void* begin, uint32_t bytes);
// Returns once everything the kernel issued (its DMA transfers and vector
// and cube pipelines) has completed: on the device a full pipe barrier
// before the worker publishes completion. Nothing to wait for on the
// simulator, where a kernel's stores are done when it returns.
void pto_wait_for_kernel_writes();
