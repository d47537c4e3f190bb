// The sizes a launch of tensormap_and_ringbuffer runs with: upstream's
// defaults, overridden by the same environment names (one value, or four
// comma-separated per-ring values), read when a launch is prepared, and by
// what the caller set for the handle (pto_set_ring_sizes), which wins.
//   PTO2_RING_TASK_WINDOW  tasks per ring window (a power of two >= 4)
//   PTO2_RING_HEAP         bytes of heap per ring (a multiple of 1024, >= 4096;
//                          K/M/G suffixes accepted)
//   PTO2_RING_DEP_POOL     dependency entries per ring
//   PTO2_TENSORMAP_ENTRIES accesses the tensor map holds at once
//   PTO2_ORCH_SERIAL       1: the orchestration finishes before any task runs
//   PTO2_RECORD_TASKS      how many tasks' traces a launch keeps (graph
//                          export, traces, summaries); edges up to 4x that
//   PTO2_CHECK_BLOCKS      1: run each task's blocks one at a time and report
//                          bytes two blocks both changed (pto-run --check-blocks)
//   PTO2_CHECK_BLOCKS_BYTES  the most bytes of one task's written tensors the
//                          check watches (default 64M; K/M/G)
#pragma once

#include <cstddef>
#include <cstdint>

#include "pto_runtime_c_api.h"

struct RingSizes {
    uint32_t window[4];
    uint64_t heap[4];
    uint32_t dep_pool[4];
    uint32_t map_entries;
    uint32_t map_buckets;
    bool serial;
    uint32_t record_tasks;
    uint64_t check_bytes;  // 0: the block checker is off
};

// 0, or PTO_ERR_INVALID_ARGUMENT naming the variable or field and what it
// accepts. `request`'s non-zero fields override the environment.
int read_ring_sizes(const PtoRingSizes& request, RingSizes* out, char* message,
                    size_t message_size);
// Whether a pto_set_ring_sizes request is in range (0, or the error naming
// the field).
int check_ring_request(const PtoRingSizes& request, char* message, size_t message_size);
// The sizes as the C API states them.
PtoRingSizes ring_sizes_of(const RingSizes& sizes);
