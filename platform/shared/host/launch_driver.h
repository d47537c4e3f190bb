// The one launch sequence of every platform: check the configuration and
// the device, claim the handle, resolve kernels, publish the launch block,
// start, wait (bounded), collect the block, then read how it ended (stall
// report, kernel fault) and release the handle.
#pragma once

#include <cstddef>

#include "launch_backend.h"

int run_launch(void* handle, const LaunchParams& params, char* message, size_t message_size);

// The kernel fault of the last launch on this thread (pto_last_kernel_fault).
void set_last_kernel_fault(const PtoKernelFault* fault);
