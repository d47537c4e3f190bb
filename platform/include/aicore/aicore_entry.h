// The seam between a platform's AICore entry and the runtime's worker loop:
// the platform works out the worker id and core type (from the block and
// sub-block index on the device, from the host on the simulator) and calls
// this with the device address of the launch block. The runtime defines it.
#pragma once

#include "aicore_qualifiers.h"
#include "core_type.h"

void aicore_execute(__gm__ void* launch_block, int worker_id, CoreType core_type);
