// The simulator's half of the host C API: devices (each a process of its
// own, see simulated_device.h) and kernel registration (shared objects or
// raw .text). Launching, memory and the rest are in
// platform/shared/host/pto_runtime_c_api_common.cpp; the simulator's launch
// backend is sim_launch_backend.cpp.
#include "pto_runtime_c_api.h"

#include "c_api_guard.h"
#include "export.h"
#include "last_error.h"
#include "sim_devices.h"
#include "sim_kernel_registry.h"
#include "simulated_device.h"

extern "C" {

PTO_EXPORT int set_device(int device_id) {
    clear_last_error();
    if (device_id < 0) {
        set_last_error("set_device: device id %d is negative", device_id);
        return PTO_ERR_INVALID_ARGUMENT;
    }
    return guarded("set_device", [&] {
        sim_set_current_device(device_id);
        char message[4096] = {};
        return report(sim_device(device_id).ensure_running(message, sizeof message), message);
    });
}

PTO_EXPORT int register_kernel(int func_id, const uint8_t* bin, size_t bin_size) {
    clear_last_error();
    return guarded("register_kernel", [&] {
        char message[4096] = {};
        return report(sim_register_kernel(func_id, bin, bin_size, message, sizeof message),
                      message);
    });
}

PTO_EXPORT int pto_register_kernel_text(int func_id, const uint8_t* text, size_t size,
                                        uint64_t entry_offset) {
    clear_last_error();
    return guarded("pto_register_kernel_text", [&] {
        char message[4096] = {};
        return report(
            sim_register_kernel_text(func_id, text, size, entry_offset, message, sizeof message),
            message);
    });
}

PTO_EXPORT int pto_device_process_id(int device_id) {
    clear_last_error();
    if (device_id < 0) {
        set_last_error("pto_device_process_id: device id %d is negative", device_id);
        return PTO_ERR_INVALID_ARGUMENT;
    }
    return guarded("pto_device_process_id", [&] {
        int pid = static_cast<int>(sim_device(device_id).pid());
        if (pid > 0) return pid;
        set_last_error(
            "pto_device_process_id: device %d has no process now (it starts with "
            "set_device, a registration or a launch)",
            device_id);
        return static_cast<int>(PTO_ERR_NOT_INITIALIZED);
    });
}

}  // extern "C"
