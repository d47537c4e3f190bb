#include "device_runner.h"

#include <cstddef>
#include <cstdio>
#include <cstring>
#include <mutex>

#include "kernel_args.h"
#include "pto_status.h"
#include "runtime/rt.h"

namespace {

std::mutex g_mutex;

void* rt_malloc(size_t size) {
    void* p = nullptr;
    return rtMalloc(&p, size ? size : 1, RT_MEMORY_HBM, 0) == RT_ERROR_NONE ? p : nullptr;
}

void rt_free(void* p) {
    if (p != nullptr) rtFree(p);
}

int rt_to_device(void* dev, const void* host, size_t n) {
    if (n == 0) return 0;
    return rtMemcpy(dev, n, host, n, RT_MEMCPY_HOST_TO_DEVICE) == RT_ERROR_NONE ? 0
                                                                                : PTO_ERR_DEVICE;
}

int rt_from_device(void* host, const void* dev, size_t n) {
    if (n == 0) return 0;
    return rtMemcpy(host, n, dev, n, RT_MEMCPY_DEVICE_TO_HOST) == RT_ERROR_NONE ? 0
                                                                                : PTO_ERR_DEVICE;
}

const DeviceMemoryOps kOps{rt_malloc, rt_free, rt_to_device, rt_from_device};

// The AICPU kernel's argument block (CONTRACT.md section 7): KernelArgs, then
// the kernel, shared-object and op names the toolkit finds by offset.
struct AicpuLaunchArgs {
    KernelArgs kernel_args;
    char kernel_name[32];
    char so_name[32];
    char op_name[32];
};

// Device memory freed when the owner goes out of scope.
struct DeviceBuffer {
    void* ptr = nullptr;
    explicit DeviceBuffer(size_t size) : ptr(rt_malloc(size)) {}
    ~DeviceBuffer() { rt_free(ptr); }
    DeviceBuffer(const DeviceBuffer&) = delete;
    DeviceBuffer& operator=(const DeviceBuffer&) = delete;
};

int launch_aicpu(void* stream, const char* kernel, uint32_t instances,
                 const DeviceArgs* device_args, void* device_runtime) {
    AicpuLaunchArgs args{};
    args.kernel_args.device_args = const_cast<DeviceArgs*>(device_args);
    args.kernel_args.runtime_args = device_runtime;
    std::snprintf(args.kernel_name, sizeof args.kernel_name, "%s", kernel);
    std::snprintf(args.so_name, sizeof args.so_name, "%s", "libaicpu_extend_kernels.so");
    std::snprintf(args.op_name, sizeof args.op_name, "%s", "");
    rtAicpuArgsEx_t ex{};
    ex.args = &args;
    ex.argsSize = sizeof args;
    ex.kernelNameAddrOffset = offsetof(AicpuLaunchArgs, kernel_name);
    ex.soNameAddrOffset = offsetof(AicpuLaunchArgs, so_name);
    return rtAicpuKernelLaunchExWithArgs(KERNEL_TYPE_AICPU_KFC, "AST_DYN_AICPU", instances, &ex,
                                         nullptr, stream, 0);
}

}  // namespace

DeviceRunner& DeviceRunner::instance() {
    static DeviceRunner runner;
    return runner;
}

const DeviceMemoryOps& DeviceRunner::memory_ops() const {
    return kOps;
}

int DeviceRunner::set_device(int device_id, char* message, size_t message_size) {
    std::lock_guard<std::mutex> lock(g_mutex);
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
    void* dev = rt_malloc(size);
    if (dev == nullptr || rt_to_device(dev, text, size) != 0) {
        rt_free(dev);
        std::snprintf(message, message_size,
                      "kernel func_id %d: copying %zu bytes of .text to the device failed", func_id,
                      size);
        return PTO_ERR_DEVICE;
    }
    std::lock_guard<std::mutex> lock(g_mutex);
    auto old = kernels_.find(func_id);
    if (old != kernels_.end()) rt_free(old->second.first);
    kernels_[func_id] = {dev, reinterpret_cast<uint64_t>(dev) + entry_offset};
    return 0;
}

uint64_t DeviceRunner::kernel_address(int func_id) {
    std::lock_guard<std::mutex> lock(g_mutex);
    auto& kernels = instance().kernels_;
    auto it = kernels.find(func_id);
    return it == kernels.end() ? 0 : it->second.second;
}

int DeviceRunner::launch(const LaunchRequest& req, char* message, size_t message_size) {
    int rc = ensure_streams(message, message_size);
    if (rc != 0) return rc;
    if ((rc = ensure_aicore_handle(req.aicore_bin, req.aicore_size, message, message_size)) != 0)
        return rc;

    RuntimeLaunchSettings settings{req.aicpu_thread_num, req.block_dim, req.timeout_ns};
    rc = runtime_host_prepare_launch(req.runtime, settings, kernel_address, message, message_size);
    if (rc != 0) return rc;

    // The Runtime goes to the device as one image; the AICPU scheduler .so
    // as bytes the init kernel finds through DeviceArgs.
    size_t image_size = runtime_host_device_image_size(req.runtime);
    std::vector<uint8_t> staging(image_size);
    DeviceBuffer image(image_size);
    DeviceBuffer aicpu_so(req.aicpu_size);
    DeviceBuffer device_args_buffer(sizeof(DeviceArgs));
    if (image.ptr == nullptr || aicpu_so.ptr == nullptr || device_args_buffer.ptr == nullptr) {
        std::snprintf(message, message_size,
                      "device memory for the run (%zu bytes) could not be allocated",
                      image_size + req.aicpu_size);
        return PTO_ERR_OUT_OF_MEMORY;
    }
    uint64_t base = reinterpret_cast<uint64_t>(image.ptr);
    runtime_host_write_device_image(req.runtime, staging.data(), base);
    DeviceArgs device_args{};
    device_args.aicpu_so_bin = reinterpret_cast<uint64_t>(aicpu_so.ptr);
    device_args.aicpu_so_len = req.aicpu_size;
    if (rt_to_device(image.ptr, staging.data(), image_size) != 0 ||
        rt_to_device(aicpu_so.ptr, req.aicpu_bin, req.aicpu_size) != 0 ||
        rt_to_device(device_args_buffer.ptr, &device_args, sizeof device_args) != 0) {
        std::snprintf(message, message_size, "copying the run to the device failed");
        return PTO_ERR_DEVICE;
    }
    auto* device_args_ptr = static_cast<const DeviceArgs*>(device_args_buffer.ptr);

    if (launch_aicpu(aicpu_stream_, "DynTileFwkBackendKernelServerInit", 1, device_args_ptr,
                     image.ptr) != RT_ERROR_NONE ||
        launch_aicpu(aicpu_stream_, "DynTileFwkBackendKernelServer",
                     static_cast<uint32_t>(req.aicpu_thread_num), device_args_ptr,
                     image.ptr) != RT_ERROR_NONE) {
        std::snprintf(message, message_size, "launching the AICPU scheduler failed");
        return PTO_ERR_DEVICE;
    }
    void* runtime_arg = image.ptr;
    rtArgsEx_t args{};
    args.args = &runtime_arg;
    args.argsSize = sizeof runtime_arg;
    rtTaskCfgInfo_t cfg{};
    cfg.schemMode = RT_SCHEM_MODE_BATCH;
    if (rtKernelLaunchWithHandleV2(aicore_handle_, 0, static_cast<uint32_t>(req.block_dim), &args,
                                   nullptr, aicore_stream_, &cfg) != RT_ERROR_NONE) {
        std::snprintf(message, message_size, "launching the AICore executor on %d blocks failed",
                      req.block_dim);
        return PTO_ERR_DEVICE;
    }

    // The scheduler bounds the run itself; these bounds only catch a device
    // that stopped answering (timeout plus a margin, in ms).
    int32_t bound_ms = static_cast<int32_t>(req.timeout_ns / 1'000'000 + 10'000);
    rtError_t aicpu_rc = rtStreamSynchronizeWithTimeout(aicpu_stream_, bound_ms);
    rtError_t aicore_rc = rtStreamSynchronizeWithTimeout(aicore_stream_, bound_ms);

    // Bring the Runtime back for results and diagnostics.
    if (rt_from_device(staging.data(), image.ptr, image_size) == 0) {
        runtime_host_read_device_image(req.runtime, staging.data(), base);
    }
    if (aicpu_rc != RT_ERROR_NONE || aicore_rc != RT_ERROR_NONE) {
        std::snprintf(message, message_size, "device streams did not finish (AICPU %d, AICore %d)",
                      aicpu_rc, aicore_rc);
        return PTO_ERR_DEVICE;
    }
    int status = runtime_host_run_status(req.runtime);
    if (status == PTO_ERR_TIMEOUT) {
        std::snprintf(message, message_size,
                      "the run made no progress for %.1f s and was stopped (diagnostic above)",
                      req.timeout_ns / 1e9);
    } else if (status != 0) {
        std::snprintf(message, message_size, "AICPU scheduler failed with %d (%s)", status,
                      pto_status_name(status));
    }
    return status;
}
