// What a platform provides to the launch driver (launch_driver.cpp): its
// devices, kernel addresses, and starting and waiting for the AICPU and
// AICore bodies of one launch. The driver does the rest, the same on every
// platform.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "pto_runtime_c_api.h"
#include "runtime_host_interface.h"

// One launch_runtime call.
struct LaunchParams {
    int aicpu_thread_num;
    int block_dim;
    int device_id;
    uint64_t timeout_ns;
    const uint8_t* aicpu_bin;
    size_t aicpu_size;
    const uint8_t* aicore_bin;
    size_t aicore_size;
};

// How the bodies of a launch ended.
struct LaunchEnd {
    // Workers still inside a kernel after the grace the platform gives them:
    // given up on (the launch stays alive for them).
    int abandoned_workers = 0;
};

// A launch whose bodies are running.
class StartedLaunch {
public:
    virtual ~StartedLaunch() = default;
    // Returns when the schedulers are done and the workers left (or were
    // abandoned). Bounded: the schedulers stop a run that makes no progress,
    // and the platform stops one whose schedulers do not.
    virtual int wait(LaunchEnd* end, char* message, size_t message_size) = 0;
};

class LaunchBackend {
public:
    virtual ~LaunchBackend() = default;
    // Refuses a device that cannot take a launch now.
    virtual int check_device(int device_id, char* message, size_t message_size) = 0;
    // The entry address of a registered kernel, and what keeps it loaded;
    // false when nothing is registered under func_id.
    virtual bool kernel_entry(int func_id, uint64_t* entry,
                              std::shared_ptr<const void>* keep_alive) = 0;
    // Starts the AICPU scheduler and AICore worker bodies over the launch.
    virtual int start(const std::shared_ptr<RuntimeLaunch>& launch, const LaunchParams& params,
                      std::unique_ptr<StartedLaunch>* out, char* message, size_t message_size) = 0;
    // A launch stopped by a kernel fault: fills `fault` (the instruction's
    // object and offset where the platform knows it) and the message.
    virtual void describe_fault(const KernelFaultRecord& record, PtoKernelFault* fault,
                                char* message, size_t message_size) = 0;
    // Called after a launch ended with workers abandoned on `device_id`.
    virtual void note_abandoned(int device_id, std::unique_ptr<StartedLaunch> started,
                                const std::shared_ptr<RuntimeLaunch>& launch) = 0;
};

LaunchBackend& platform_launch_backend();
