// The device process's own descriptors (its control channel to the host,
// its stdout and stderr) are out of reach of the code it loads: this
// program defines close, close_range, dup2 and dup3 (exported, so kernels
// and orchestrations bind to them), and a call that would close or replace
// one of them is refused. A kernel that makes such a call fails as if it
// had faulted (SIGSYS, with the call and the line that made it); any other
// caller gets EBADF and a line on stderr. Other descriptors pass through.
#pragma once

#include <cstdint>
#include <string>

#include "sim_device_protocol.h"

// What the AICore executor offers to fail the kernel running on this
// thread (false: none is running here).
using FailKernelFn = bool (*)(int signal, uint64_t pc, uint64_t detail);

// From now on, descriptors 1, 2 and `control_fd` are the device's own.
// Copies of them are kept at high numbers, for restore_own().
void device_descriptors_protect(int control_fd);
// The guard cannot see everything (fclose(stdout) closes fd 1 inside the C
// library; a raw system call bypasses it): after each launch, each own
// descriptor that was closed or replaced is put back from its copy, and
// `what` says which (false when all were intact).
bool device_descriptors_restore_own(std::string* what);
// In a forked copy of this process: nothing is the device's here (the
// copy may redirect its output before an exec), and the copy's end of the
// control channel is closed, so it cannot speak for the device.
void device_descriptors_release_in_child();
// The calling thread runs kernels of the executor with this hook (null:
// none); set by each worker around its body.
void device_descriptors_set_kernel_hook(FailKernelFn hook);
