// The device's half of the host C API (the rest is in
// platform/shared/host/pto_runtime_c_api_common.cpp): the CANN runtime for
// devices, memory and launches; kernels registered as .text in device memory.
#include "pto_runtime_c_api.h"

#include <map>
#include <mutex>
#include <string>

#include "c_api_guard.h"
#include "device_runner.h"
#include "last_error.h"
#include "launch_config.h"
#include "platform_host.h"

namespace {

std::mutex g_names_mutex;
std::map<int, std::string> g_kernel_names;

const char* kernel_name(int func_id) {
    std::lock_guard<std::mutex> lock(g_names_mutex);
    auto it = g_kernel_names.find(func_id);
    return it == g_kernel_names.end() ? nullptr : it->second.c_str();
}

}  // namespace

const DeviceMemoryOps& platform_memory_ops() {
    return DeviceRunner::instance().memory_ops();
}

extern "C" {

int launch_runtime(RuntimeHandle rt, int aicpu_thread_num, int block_dim, int device_id,
                   const uint8_t* aicpu_bin, size_t aicpu_size, const uint8_t* aicore_bin,
                   size_t aicore_size) {
    clear_last_error();
    return guarded("launch_runtime", [&] {
        char message[1024] = {};
        int rc = check_launch_config(aicpu_thread_num, block_dim, message, sizeof message);
        if (rc == 0 && (aicpu_bin == nullptr || aicpu_size == 0 || aicore_bin == nullptr ||
                        aicore_size == 0)) {
            std::snprintf(message, sizeof message,
                          "launch_runtime: the AICPU and AICore binaries are required");
            rc = PTO_ERR_INVALID_ARGUMENT;
        }
        if (rc == 0) rc = DeviceRunner::instance().set_device(device_id, message, sizeof message);
        if (rc == 0) {
            LaunchRequest req{rt,        aicpu_thread_num, block_dim,  platform_run_timeout_ns(),
                              aicpu_bin, aicpu_size,       aicore_bin, aicore_size};
            rc = DeviceRunner::instance().launch(req, message, sizeof message);
            if (rc == PTO_ERR_TIMEOUT) runtime_host_report_stall(rt, kernel_name);
        }
        if (runtime_host_is_initialized(rt)) runtime_host_launch_finished(rt, rc);
        return report(rc, message);
    });
}

int set_device(int device_id) {
    clear_last_error();
    return guarded("set_device", [&] {
        char message[256] = {};
        return report(DeviceRunner::instance().set_device(device_id, message, sizeof message),
                      message);
    });
}

// On the device a kernel binary is its .text, entered at offset 0.
int register_kernel(int func_id, const uint8_t* bin, size_t bin_size) {
    return pto_register_kernel_text(func_id, bin, bin_size, 0);
}

int pto_register_kernel_text(int func_id, const uint8_t* text, size_t size, uint64_t entry_offset) {
    clear_last_error();
    return guarded("pto_register_kernel_text", [&] {
        char message[512] = {};
        return report(DeviceRunner::instance().register_kernel_text(
                          func_id, text, size, entry_offset, message, sizeof message),
                      message);
    });
}

int pto_name_kernel(int func_id, const char* name) {
    clear_last_error();
    if (name == nullptr) {
        set_last_error("pto_name_kernel: func_id %d: the name is null", func_id);
        return PTO_ERR_INVALID_ARGUMENT;
    }
    return guarded("pto_name_kernel", [&] {
        std::lock_guard<std::mutex> lock(g_names_mutex);
        g_kernel_names[func_id] = name;
        return 0;
    });
}

// AICore has no fault capture: a faulting kernel shows as a stalled run.
int pto_last_kernel_fault(PtoKernelFault*) {
    return PTO_ERR_NOT_INITIALIZED;
}

}  // extern "C"
