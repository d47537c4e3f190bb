#include "device_runner.h"

#include <cstdio>
#include <cstring>

#include "pto_status.h"
#include "runtime/rt.h"

struct DeviceRunner::KernelText {
    void* device = nullptr;
    uint64_t entry = 0;
    ~KernelText() {
        if (device != nullptr) rtFree(device);
    }
};

DeviceRunner& DeviceRunner::instance() {
    static DeviceRunner* runner = new DeviceRunner;  // kernels may be released late
    return *runner;
}

int DeviceRunner::set_device(int device_id, char* message, size_t message_size) {
    std::lock_guard<std::mutex> lock(mutex_);
    rtError_t rc = rtSetDevice(device_id);
    if (rc != RT_ERROR_NONE) {
        std::snprintf(message, message_size,
                      "rtSetDevice(%d) failed with %d; is the device present and free?", device_id,
                      rc);
        return PTO_ERR_DEVICE;
    }
    device_id_ = device_id;
    return 0;
}

int DeviceRunner::ensure_streams(char* message, size_t message_size) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (aicpu_stream_ != nullptr) return 0;
    if (rtStreamCreate(&aicpu_stream_, 0) != RT_ERROR_NONE ||
        rtStreamCreate(&aicore_stream_, 0) != RT_ERROR_NONE) {
        std::snprintf(message, message_size, "rtStreamCreate failed on device %d", device_id_);
        return PTO_ERR_DEVICE;
    }
    return 0;
}

int DeviceRunner::ensure_aicore_handle(const uint8_t* bin, size_t size, char* message,
                                       size_t message_size) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (aicore_handle_ != nullptr && aicore_bytes_.size() == size &&
        std::memcmp(aicore_bytes_.data(), bin, size) == 0) {
        return 0;
    }
    if (aicore_handle_ != nullptr) rtDevBinaryUnRegister(aicore_handle_);
    aicore_bytes_.assign(bin, bin + size);
    rtDevBinary_t binary{RT_DEV_BINARY_MAGIC_ELF, 0, aicore_bytes_.data(), aicore_bytes_.size()};
    if (rtRegisterAllKernel(&binary, &aicore_handle_) != RT_ERROR_NONE) {
        aicore_handle_ = nullptr;
        std::snprintf(message, message_size,
                      "rtRegisterAllKernel rejected the AICore executor (%zu bytes)", size);
        return PTO_ERR_LOAD_BINARY;
    }
    return 0;
}

int DeviceRunner::register_kernel_text(int func_id, const uint8_t* text, size_t size,
                                       uint64_t entry_offset, char* message, size_t message_size) {
    if (text == nullptr || size == 0 || entry_offset >= size) {
        std::snprintf(message, message_size,
                      "kernel func_id %d: entry offset %llu is not inside %zu bytes of .text",
                      func_id, static_cast<unsigned long long>(entry_offset), size);
        return PTO_ERR_INVALID_ARGUMENT;
    }
    auto k = std::make_shared<KernelText>();
    if (rtMalloc(&k->device, size, RT_MEMORY_HBM, 0) != RT_ERROR_NONE ||
        rtMemcpy(k->device, size, text, size, RT_MEMCPY_HOST_TO_DEVICE) != RT_ERROR_NONE) {
        std::snprintf(message, message_size,
                      "kernel func_id %d: copying %zu bytes of .text to the device failed", func_id,
                      size);
        return PTO_ERR_DEVICE;
    }
    k->entry = reinterpret_cast<uint64_t>(k->device) + entry_offset;
    std::shared_ptr<KernelText> replaced;
    std::lock_guard<std::mutex> lock(mutex_);
    replaced.swap(kernels_[func_id]);
    kernels_[func_id] = std::move(k);
    return 0;
}

std::vector<int32_t> DeviceRunner::registered_func_ids() {
    std::lock_guard<std::mutex> lock(mutex_);
    std::vector<int32_t> ids;
    for (const auto& entry : kernels_) ids.push_back(entry.first);
    return ids;
}

bool DeviceRunner::kernel_entry(int func_id, uint64_t* entry,
                                std::shared_ptr<const void>* keep_alive) {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = kernels_.find(func_id);
    if (it == kernels_.end()) return false;
    *entry = it->second->entry;
    *keep_alive = it->second;
    return true;
}
