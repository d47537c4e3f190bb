// The device's half of the host C API: devices and kernels registered as
// .text in device memory. Launching, memory and the rest are in
// platform/shared/host/pto_runtime_c_api_common.cpp; the launch itself is
// device_launch_backend.cpp.
#include "pto_runtime_c_api.h"

#include "c_api_guard.h"
#include "device_runner.h"
#include "export.h"
#include "last_error.h"

extern "C" {

PTO_EXPORT int set_device(int device_id) {
    clear_last_error();
    return guarded("set_device", [&] {
        char message[256] = {};
        return report(DeviceRunner::instance().set_device(device_id, message, sizeof message),
                      message);
    });
}

// On the device a kernel binary is its .text, entered at offset 0.
PTO_EXPORT int register_kernel(int func_id, const uint8_t* bin, size_t bin_size) {
    return pto_register_kernel_text(func_id, bin, bin_size, 0);
}

PTO_EXPORT int pto_register_kernel_text(int func_id, const uint8_t* text, size_t size,
                                        uint64_t entry_offset) {
    clear_last_error();
    return guarded("pto_register_kernel_text", [&] {
        char message[512] = {};
        return report(DeviceRunner::instance().register_kernel_text(
                          func_id, text, size, entry_offset, message, sizeof message),
                      message);
    });
}

}  // extern "C"
