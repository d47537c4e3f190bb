// What a platform provides to the launch driver (launch_driver.cpp): its
// devices, kernel addresses, and starting and waiting for the AICPU and
// AICore bodies of one launch. The driver does the rest, the same on every
// platform.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

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
    // Workers still inside a kernel after the grace the platform gives them,
    // and what the platform does about them (for the message).
    int abandoned_workers = 0;
    std::string abandoned_remedy;
    // The device itself went away during the launch (on the simulator: its
    // process ended): how, and the last lines it wrote.
    bool device_lost = false;
    std::string lost_cause;
    std::vector<std::string> lost_output;
    // The device stopped the run (its status says why), but a thread of the
    // runtime's never returned within the platform's grace (an orchestration
    // spinning in its own code): the platform reset the device to end it,
    // and says so here.
    std::string unreturned_remedy;
    // Where the device's own code ended it, when the platform could hear
    // (the simulator's last words): a fatal signal or exit(), with the
    // instruction and the return addresses of the thread that did it.
    struct EndPlace {
        bool known = false;
        bool exit_call = false;  // exit(code), not a signal
        int code = 0;            // the signal, or the exit status
        uint64_t fault_address = 0;
        uint64_t pc = 0;  // 0: not a fault with an instruction
        std::vector<uint64_t> frames;
    } end_place;
};

// A launch whose bodies are running.
class StartedLaunch {
public:
    virtual ~StartedLaunch() = default;
    // Returns when the schedulers are done and the workers left (or were
    // given up on), or the device was lost. Bounded: the schedulers stop a
    // run that makes no progress, and the platform stops one whose
    // schedulers do not.
    virtual int wait(LaunchEnd* end, char* message, size_t message_size) = 0;
    // A launch stopped by a kernel fault: fills `fault` (the instruction's
    // object and offset where the platform knows it) and the message.
    virtual void describe_fault(const KernelFaultRecord& record, PtoKernelFault* fault,
                                char* message, size_t message_size) = 0;
};

class LaunchBackend {
public:
    virtual ~LaunchBackend() = default;
    // Makes the device ready for a launch, or refuses it.
    virtual int check_device(int device_id, char* message, size_t message_size) = 0;
    // The entry address of a registered kernel on the device, and what keeps
    // it loaded. PTO_ERR_UNREGISTERED_KERNEL when nothing is registered
    // under func_id (the driver words that message); another failure with
    // its reason.
    virtual int kernel_entry(int device_id, int func_id, uint64_t* entry,
                             std::shared_ptr<const void>* keep_alive, char* message,
                             size_t message_size) = 0;
    // Every func_id registered now (ascending): a runtime whose graph is
    // built on the device resolves them all before the start.
    virtual std::vector<int32_t> registered_func_ids(int device_id) = 0;
    // Starts the AICPU scheduler and AICore worker bodies over the launch.
    virtual int start(const std::shared_ptr<RuntimeLaunch>& launch, const LaunchParams& params,
                      std::unique_ptr<StartedLaunch>* out, char* message, size_t message_size) = 0;
};

LaunchBackend& platform_launch_backend();
