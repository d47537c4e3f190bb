// One launch in the device process: the AICPU scheduler threads and AICore
// worker threads of the launch, borrowed from the thread pool and placed on
// the CPUs the launching host thread may use, run over the launch block the
// host wrote into device memory. Returns when the schedulers returned and
// the workers left (or a grace period passed: workers still inside a kernel
// then are reported, and the host ends this process to stop them).
#pragma once

#include "runtime_objects.h"
#include "sim_device_protocol.h"

DeviceLaunchDone run_device_launch(const DeviceLaunch& request, const RuntimeEntryPoints& entry);
