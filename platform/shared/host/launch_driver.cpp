#include "launch_driver.h"

#include <cstdio>
#include <cstring>

#include "export.h"
#include "kernel_names.h"
#include "launch_config.h"
#include "pto_status.h"

namespace {

thread_local bool t_has_fault = false;
thread_local PtoKernelFault t_fault;

// Releases the handle's claim on every path out of a launch.
class HandleClaim {
public:
    HandleClaim(void* handle, std::shared_ptr<RuntimeLaunch> launch)
        : handle_(handle), launch_(std::move(launch)) {}
    ~HandleClaim() { runtime_host_end_launch(handle_, launch_, status_); }
    HandleClaim(const HandleClaim&) = delete;
    HandleClaim& operator=(const HandleClaim&) = delete;
    int finish(int status) { return status_ = status; }

private:
    void* handle_;
    std::shared_ptr<RuntimeLaunch> launch_;
    int status_ = PTO_ERR_DEVICE;
};

int resolve_kernels(LaunchBackend& backend, RuntimeLaunch& launch, char* message,
                    size_t message_size) {
    for (int slot = 0; slot < launch.kernel_count(); ++slot) {
        int func_id = launch.kernel_func_id(slot);
        uint64_t entry = 0;
        std::shared_ptr<const void> keep;
        if (!backend.kernel_entry(func_id, &entry, &keep) || entry == 0) {
            std::snprintf(message, message_size,
                          "task %d uses func_id %d, which has no registered kernel; register it "
                          "(kernel_config.py KERNELS) before launching",
                          launch.first_task_of_kernel(slot), func_id);
            return PTO_ERR_UNREGISTERED_KERNEL;
        }
        launch.set_kernel_entry(slot, entry);
        if (keep) launch.hold(std::move(keep));
    }
    return 0;
}

// How the launch ended, in words, once its block is back on the host.
int explain(LaunchBackend& backend, const RuntimeLaunch& launch, const LaunchParams& params,
            const LaunchEnd& end, char* message, size_t message_size) {
    int status = launch.status();
    if (status == PTO_ERR_TIMEOUT) {
        launch.report_stall(stderr, kernel_name);
        std::snprintf(message, message_size,
                      "the run made no progress for %.1f s and was stopped (diagnostic above)%s",
                      params.timeout_ns / 1e9,
                      end.abandoned_workers > 0 ? "; a worker is still inside its kernel" : "");
        return status;
    }
    if (status == PTO_ERR_KERNEL_FAULT) {
        KernelFaultRecord record{};
        if (launch.find_fault(&record)) {
            PtoKernelFault fault;
            std::memset(&fault, 0, sizeof fault);
            backend.describe_fault(record, &fault, message, message_size);
            set_last_kernel_fault(&fault);
        } else {
            std::snprintf(message, message_size, "a kernel faulted, but no worker recorded it");
        }
        return status;
    }
    if (status != 0) {
        std::snprintf(message, message_size, "AICPU scheduler failed with %d (%s)", status,
                      pto_status_name(status));
        return status;
    }
    if (end.abandoned_workers > 0) {
        std::snprintf(message, message_size, "%d worker(s) did not stop after the run",
                      end.abandoned_workers);
        return PTO_ERR_DEVICE;
    }
    return 0;
}

}  // namespace

void set_last_kernel_fault(const PtoKernelFault* fault) {
    t_has_fault = fault != nullptr;
    if (fault) t_fault = *fault;
}

extern "C" PTO_EXPORT int pto_last_kernel_fault(PtoKernelFault* out) {
    if (!t_has_fault || out == nullptr) return PTO_ERR_NOT_INITIALIZED;
    *out = t_fault;
    return 0;
}

int run_launch(void* handle, const LaunchParams& params, char* message, size_t message_size) {
    set_last_kernel_fault(nullptr);
    int rc = check_launch_config(params.aicpu_thread_num, params.block_dim, message, message_size);
    if (rc != 0) return rc;
    if (params.device_id < 0) {
        std::snprintf(message, message_size, "launch_runtime: device id %d is negative",
                      params.device_id);
        return PTO_ERR_INVALID_ARGUMENT;
    }
    if (!runtime_host_is_initialized(handle)) {
        std::snprintf(message, message_size, "launch_runtime: call init_runtime first");
        return PTO_ERR_NOT_INITIALIZED;
    }
    LaunchBackend& backend = platform_launch_backend();
    if ((rc = backend.check_device(params.device_id, message, message_size)) != 0) return rc;

    std::shared_ptr<RuntimeLaunch> launch;
    RuntimeLaunchSettings settings{params.aicpu_thread_num, params.block_dim, params.timeout_ns};
    rc = runtime_host_begin_launch(handle, settings, &launch, message, message_size);
    if (rc != 0) return rc;
    HandleClaim claim(handle, launch);

    if ((rc = resolve_kernels(backend, *launch, message, message_size)) != 0) {
        return claim.finish(rc);
    }
    DeviceBlocks& blocks = platform_device_blocks();
    if ((rc = blocks.publish(launch->block(), message, message_size)) != 0) {
        return claim.finish(rc);
    }
    std::unique_ptr<StartedLaunch> started;
    if ((rc = backend.start(launch, params, &started, message, message_size)) != 0) {
        return claim.finish(rc);
    }
    LaunchEnd end;
    int wait_rc = started->wait(&end, message, message_size);
    if (end.abandoned_workers > 0)
        backend.note_abandoned(params.device_id, std::move(started), launch);
    if (wait_rc != 0) return claim.finish(wait_rc);
    if ((rc = blocks.collect(launch->block(), message, message_size)) != 0) {
        return claim.finish(rc);
    }
    return claim.finish(explain(backend, *launch, params, end, message, message_size));
}
