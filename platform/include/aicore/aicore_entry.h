// The seam between a platform's AICore entry and the runtime's worker loop:
// the platform works out the worker id and core type (from the block and
// sub-block index on the device, from the host on the simulator) and calls
// this with the device address of the launch block. The runtime defines it.
#pragma once

#include "aicore_qualifiers.h"
#include "core_type.h"

void aicore_execute(__gm__ void* launch_block, int worker_id, CoreType core_type);

// The unit worker `worker_id`'s owning scheduler thread has just dispatched
// for itself to run (handshake.h, step 6), run on the calling thread. Only
// the simulator calls it; the runtime defines it beside aicore_execute.
void aicore_run_here(__gm__ void* launch_block, int worker_id);
