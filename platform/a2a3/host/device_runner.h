// The a2a3 device through the CANN runtime: the current device, an AICPU
// stream and an AICore stream, the registered AICore executor, and kernels
// as .text in device global memory.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

class DeviceRunner {
public:
    static DeviceRunner& instance();

    int set_device(int device_id, char* message, size_t message_size);
    int ensure_streams(char* message, size_t message_size);
    int ensure_aicore_handle(const uint8_t* bin, size_t size, char* message, size_t message_size);
    void* aicpu_stream() const { return aicpu_stream_; }
    void* aicore_stream() const { return aicore_stream_; }
    void* aicore_handle() const { return aicore_handle_; }

    // Kernels: their .text copied into device global memory; tasks enter at
    // the copy's address plus the entry offset. A copy replaced by a new
    // registration is freed once no launch holds it.
    int register_kernel_text(int func_id, const uint8_t* text, size_t size, uint64_t entry_offset,
                             char* message, size_t message_size);
    bool kernel_entry(int func_id, uint64_t* entry, std::shared_ptr<const void>* keep_alive);
    std::vector<int32_t> registered_func_ids();

private:
    struct KernelText;

    std::mutex mutex_;
    int device_id_ = -1;
    void* aicpu_stream_ = nullptr;
    void* aicore_stream_ = nullptr;
    void* aicore_handle_ = nullptr;
    std::vector<uint8_t> aicore_bytes_;  // the registered executor binary
    std::map<int, std::shared_ptr<KernelText>> kernels_;
};
