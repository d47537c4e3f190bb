// The a2a3 launch backend: the AICPU scheduler .so and the launch block go
// to device memory; the init kernel and one main kernel per scheduler
// thread go to the AICPU stream, the AICore executor to block_dim blocks on
// the AICore stream; then both streams are synchronised with a bound.
#include <cstddef>
#include <cstdio>
#include <memory>

#include "device_runner.h"
#include "kernel_args.h"
#include "launch_backend.h"
#include "pto_status.h"
#include "runtime/rt.h"

namespace {

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
    explicit DeviceBuffer(size_t size) {
        if (rtMalloc(&ptr, size ? size : 1, RT_MEMORY_HBM, 0) != RT_ERROR_NONE) ptr = nullptr;
    }
    ~DeviceBuffer() {
        if (ptr != nullptr) rtFree(ptr);
    }
    DeviceBuffer(const DeviceBuffer&) = delete;
    DeviceBuffer& operator=(const DeviceBuffer&) = delete;
};

int launch_aicpu(void* stream, const char* kernel, uint32_t instances,
                 const DeviceArgs* device_args, void* launch_block) {
    AicpuLaunchArgs args{};
    args.kernel_args.device_args = const_cast<DeviceArgs*>(device_args);
    args.kernel_args.runtime_args = launch_block;
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

class DeviceStartedLaunch final : public StartedLaunch {
public:
    std::shared_ptr<RuntimeLaunch> launch;
    std::unique_ptr<DeviceBuffer> aicpu_so;
    std::unique_ptr<DeviceBuffer> device_args;
    uint64_t timeout_ns = 0;

    int wait(LaunchEnd*, char* message, size_t message_size) override {
        // The scheduler bounds the run itself; these bounds only catch a
        // device that stopped answering (timeout plus a margin, in ms).
        auto bound_ms = static_cast<int32_t>(timeout_ns / 1'000'000 + 10'000);
        DeviceRunner& device = DeviceRunner::instance();
        rtError_t aicpu_rc = rtStreamSynchronizeWithTimeout(device.aicpu_stream(), bound_ms);
        rtError_t aicore_rc = rtStreamSynchronizeWithTimeout(device.aicore_stream(), bound_ms);
        if (aicpu_rc != RT_ERROR_NONE || aicore_rc != RT_ERROR_NONE) {
            std::snprintf(message, message_size,
                          "device streams did not finish (AICPU %d, AICore %d)", aicpu_rc,
                          aicore_rc);
            return PTO_ERR_DEVICE;
        }
        return 0;
    }
    // AICore has no fault capture: a faulting kernel shows as a stalled run.
    void describe_fault(const KernelFaultRecord& record, PtoKernelFault* fault, char* message,
                        size_t message_size) override {
        fault->task_id = record.task_id;
        fault->func_id = record.func_id;
        fault->worker_id = record.worker_id;
        std::snprintf(message, message_size, "kernel fault: task %d, func_id %d, on worker %d",
                      record.task_id, record.func_id, record.worker_id);
    }
};

class DeviceLaunchBackend final : public LaunchBackend {
public:
    int check_device(int device_id, char* message, size_t message_size) override {
        return DeviceRunner::instance().set_device(device_id, message, message_size);
    }
    // Kernels are registered process-wide (their .text copied to device
    // memory of the device set with set_device).
    int kernel_entry(int, int func_id, uint64_t* entry, std::shared_ptr<const void>* keep_alive,
                     char*, size_t) override {
        return DeviceRunner::instance().kernel_entry(func_id, entry, keep_alive)
                   ? 0
                   : PTO_ERR_UNREGISTERED_KERNEL;
    }
    std::vector<int32_t> registered_func_ids(int) override {
        return DeviceRunner::instance().registered_func_ids();
    }
    int start(const std::shared_ptr<RuntimeLaunch>& launch, const LaunchParams& params,
              std::unique_ptr<StartedLaunch>* out, char* message, size_t message_size) override;
};

int DeviceLaunchBackend::start(const std::shared_ptr<RuntimeLaunch>& launch,
                               const LaunchParams& params, std::unique_ptr<StartedLaunch>* out,
                               char* message, size_t message_size) {
    if (params.aicpu_bin == nullptr || params.aicpu_size == 0 || params.aicore_bin == nullptr ||
        params.aicore_size == 0) {
        std::snprintf(message, message_size,
                      "launch_runtime: the AICPU and AICore binaries are required");
        return PTO_ERR_INVALID_ARGUMENT;
    }
    DeviceRunner& device = DeviceRunner::instance();
    int rc = device.ensure_streams(message, message_size);
    if (rc == 0)
        rc = device.ensure_aicore_handle(params.aicore_bin, params.aicore_size, message,
                                         message_size);
    if (rc != 0) return rc;

    // The AICPU scheduler .so goes to the device as bytes the init kernel
    // finds through DeviceArgs; the launch block is already there.
    auto started = std::make_unique<DeviceStartedLaunch>();
    started->launch = launch;
    started->timeout_ns = params.timeout_ns;
    started->aicpu_so = std::make_unique<DeviceBuffer>(params.aicpu_size);
    started->device_args = std::make_unique<DeviceBuffer>(sizeof(DeviceArgs));
    if (started->aicpu_so->ptr == nullptr || started->device_args->ptr == nullptr) {
        std::snprintf(message, message_size, "device memory for the AICPU scheduler (%zu bytes)",
                      params.aicpu_size);
        return PTO_ERR_OUT_OF_MEMORY;
    }
    DeviceArgs device_args{};
    device_args.aicpu_so_bin = reinterpret_cast<uint64_t>(started->aicpu_so->ptr);
    device_args.aicpu_so_len = params.aicpu_size;
    if (rtMemcpy(started->aicpu_so->ptr, params.aicpu_size, params.aicpu_bin, params.aicpu_size,
                 RT_MEMCPY_HOST_TO_DEVICE) != RT_ERROR_NONE ||
        rtMemcpy(started->device_args->ptr, sizeof device_args, &device_args, sizeof device_args,
                 RT_MEMCPY_HOST_TO_DEVICE) != RT_ERROR_NONE) {
        std::snprintf(message, message_size, "copying the AICPU scheduler to the device failed");
        return PTO_ERR_DEVICE;
    }
    auto* device_args_ptr = static_cast<const DeviceArgs*>(started->device_args->ptr);
    void* block = launch->entry_argument();

    if (launch_aicpu(device.aicpu_stream(), "DynTileFwkBackendKernelServerInit", 1, device_args_ptr,
                     block) != RT_ERROR_NONE ||
        launch_aicpu(device.aicpu_stream(), "DynTileFwkBackendKernelServer",
                     static_cast<uint32_t>(params.aicpu_thread_num), device_args_ptr,
                     block) != RT_ERROR_NONE) {
        std::snprintf(message, message_size, "launching the AICPU scheduler failed");
        return PTO_ERR_DEVICE;
    }
    void* block_arg = block;
    rtArgsEx_t args{};
    args.args = &block_arg;
    args.argsSize = sizeof block_arg;
    rtTaskCfgInfo_t cfg{};
    cfg.schemMode = RT_SCHEM_MODE_BATCH;
    if (rtKernelLaunchWithHandleV2(device.aicore_handle(), 0,
                                   static_cast<uint32_t>(params.block_dim), &args, nullptr,
                                   device.aicore_stream(), &cfg) != RT_ERROR_NONE) {
        std::snprintf(message, message_size, "launching the AICore executor on %d blocks failed",
                      params.block_dim);
        return PTO_ERR_DEVICE;
    }
    *out = std::move(started);
    return 0;
}

}  // namespace

LaunchBackend& platform_launch_backend() {
    static DeviceLaunchBackend* backend = new DeviceLaunchBackend;
    return *backend;
}
