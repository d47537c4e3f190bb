// Simulated device memory: host memory, 64-byte aligned like device global
// memory allocations.
#pragma once

#include "runtime_host_interface.h"

const DeviceMemoryOps& sim_device_memory_ops();
