// What the host sends a device process to load, kept by the host so that a
// fresh device process (after a reset) gets the same again without asking
// the caller: the runtime's AICPU and AICore objects, and each kernel
// registration, as memory files.
#pragma once

#include <cstdint>

#include "sim_device_protocol.h"

// One pair of AICPU and AICore objects, by content.
struct RuntimeImage {
    uint64_t id = 0;
    int aicpu_fd = -1;
    int aicore_fd = -1;
};

// One register_kernel or pto_register_kernel_text call. Devices release
// their copy when the last holder (the registry, a launch) lets go.
struct KernelImage {
    uint64_t handle = 0;
    int32_t func_id = -1;
    KernelForm form = KernelForm::kSharedObject;
    int fd = -1;
    uint64_t bytes = 0;
    uint64_t entry_offset = 0;

    KernelImage() = default;
    KernelImage(const KernelImage&) = delete;
    KernelImage& operator=(const KernelImage&) = delete;
    ~KernelImage();
};
