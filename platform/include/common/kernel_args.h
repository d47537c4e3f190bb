// The argument block the toolkit passes to the AICPU kernels. Its layout is
// fixed by the CANN toolkit: five reserved words, then the device-args
// pointer, then the runtime pointer.
#pragma once

#include <cstdint>

struct DeviceArgs {
    uint64_t aicpu_so_bin;  // device address of the AICPU scheduler .so bytes
    uint64_t aicpu_so_len;
    uint64_t reserved[6];
};

struct KernelArgs {
    uint64_t reserved[5];
    DeviceArgs* device_args;
    void* runtime_args;  // device address of the runtime's launch block
};
