// The a2a3 device through the CANN runtime: one device, an AICPU stream and
// an AICore stream, device memory, and the two launches of a run.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <vector>

#include "launch_config.h"
#include "runtime_host_interface.h"

class DeviceRunner {
public:
    static DeviceRunner& instance();

    int set_device(int device_id, char* message, size_t message_size);
    const DeviceMemoryOps& memory_ops() const;

    // Kernels: their .text copied into device global memory; tasks enter at
    // the copy's address plus the entry offset.
    int register_kernel_text(int func_id, const uint8_t* text, size_t size, uint64_t entry_offset,
                             char* message, size_t message_size);
    static uint64_t kernel_address(int func_id);

    int launch(const LaunchRequest& request, char* message, size_t message_size);

private:
    int ensure_streams(char* message, size_t message_size);
    int ensure_aicore_handle(const uint8_t* bin, size_t size, char* message, size_t message_size);

    int device_id_ = -1;
    void* aicpu_stream_ = nullptr;
    void* aicore_stream_ = nullptr;
    void* aicore_handle_ = nullptr;
    std::vector<uint8_t> aicore_bytes_;                  // the registered executor binary
    std::map<int, std::pair<void*, uint64_t>> kernels_;  // func_id -> (device .text, entry address)
};
