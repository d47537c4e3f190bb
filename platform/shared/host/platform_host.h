// What each platform's host folder provides to the shared half of the C API
// (platform/shared/host/pto_runtime_c_api_common.cpp).
#pragma once

#include <cstdint>

#include "runtime_host_interface.h"

// The platform's device memory (host memory on the simulator).
const DeviceMemoryOps& platform_memory_ops();

// The no-progress bound for launches, set with pto_set_run_timeout.
uint64_t platform_run_timeout_ns();
