// host_build_graph's Runtime as the block a device platform copies to device
// memory, and back (see Runtime::write_device_image).
#include "runtime.h"
#include "runtime_host_interface.h"

size_t runtime_host_device_image_size(void* rt) {
    return static_cast<Runtime*>(rt)->device_image_layout().total;
}

void runtime_host_write_device_image(void* rt, uint8_t* staging, uint64_t device_base) {
    static_cast<Runtime*>(rt)->write_device_image(staging, device_base);
}

void runtime_host_read_device_image(void* rt, const uint8_t* staging, uint64_t device_base) {
    static_cast<Runtime*>(rt)->read_device_image(staging, device_base);
}

int runtime_host_run_status(void* rt) {
    return static_cast<Runtime*>(rt)->abort_status.load(std::memory_order_acquire);
}
