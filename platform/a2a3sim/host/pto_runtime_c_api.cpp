// The simulator's half of the host C API: launching on host threads, kernels
// as shared objects (or raw .text), and kernel-fault reports. The rest is in
// platform/shared/host/pto_runtime_c_api_common.cpp.
#include "pto_runtime_c_api.h"

#include "c_api_guard.h"
#include "last_error.h"
#include "platform_host.h"
#include "sim_device_memory.h"
#include "sim_kernel_registry.h"
#include "sim_launcher.h"

const DeviceMemoryOps& platform_memory_ops() {
    return sim_device_memory_ops();
}

extern "C" {

int launch_runtime(RuntimeHandle rt, int aicpu_thread_num, int block_dim, int device_id,
                   const uint8_t* aicpu_bin, size_t aicpu_size, const uint8_t* aicore_bin,
                   size_t aicore_size) {
    clear_last_error();
    return guarded("launch_runtime", [&] {
        if (device_id < 0) {
            set_last_error("launch_runtime: device id %d is negative", device_id);
            return static_cast<int>(PTO_ERR_INVALID_ARGUMENT);
        }
        LaunchRequest req{rt,        aicpu_thread_num, block_dim,  platform_run_timeout_ns(),
                          aicpu_bin, aicpu_size,       aicore_bin, aicore_size};
        char message[1024] = {};
        return report(sim_launch(req, message, sizeof message), message);
    });
}

int set_device(int device_id) {
    clear_last_error();
    if (device_id < 0) {
        set_last_error("set_device: device id %d is negative", device_id);
        return PTO_ERR_INVALID_ARGUMENT;
    }
    return 0;  // one simulated device serves every id
}

int register_kernel(int func_id, const uint8_t* bin, size_t bin_size) {
    clear_last_error();
    return guarded("register_kernel", [&] {
        char message[1024] = {};
        return report(sim_register_kernel(func_id, bin, bin_size, message, sizeof message),
                      message);
    });
}

int pto_register_kernel_text(int func_id, const uint8_t* text, size_t size, uint64_t entry_offset) {
    clear_last_error();
    return guarded("pto_register_kernel_text", [&] {
        char message[1024] = {};
        return report(
            sim_register_kernel_text(func_id, text, size, entry_offset, message, sizeof message),
            message);
    });
}

int pto_name_kernel(int func_id, const char* name) {
    clear_last_error();
    return guarded("pto_name_kernel", [&] {
        int rc = sim_name_kernel(func_id, name);
        if (rc != 0) set_last_error("pto_name_kernel: func_id %d: the name is null", func_id);
        return rc;
    });
}

}  // extern "C"
