// Code the device loads may fork (a kernel that runs a command, say). What
// it starts never outlives the device: the device leads a process group of
// its own, which the host kills when the device ends; and a forked child
// dies with the device (parent-death signal). A copy that does not exec
// (a fork that returns into a kernel) is no device: device memory is
// inaccessible to it, it cannot reach the host, and it ends when its
// kernel returns (the AICore executor's fork check).
#pragma once

#include <cstdint>

// Once, after device memory is mapped and the descriptors are protected.
void device_forked_copy_install(uint64_t memory_base, uint64_t memory_bytes);
