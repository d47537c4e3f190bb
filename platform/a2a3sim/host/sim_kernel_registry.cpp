#include "sim_kernel_registry.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <string>
#include <unordered_map>

#include "device_channel.h"
#include "device_images.h"
#include "elf_bounds.h"
#include "pto_status.h"
#include "sim_devices.h"
#include "simulated_device.h"

namespace {

struct Registry {
    std::mutex mutex;
    std::unordered_map<int, std::shared_ptr<KernelImage>> kernels;
};

Registry& registry() {
    // Never destroyed: a launch may release its kernels while the process exits.
    static Registry* r = new Registry;
    return *r;
}

std::atomic<uint64_t> g_next_handle{1};

// Keeps `bytes` for devices to load, checks the kernel loads on the current
// device, then makes it func_id's kernel.
int register_image(int func_id, KernelForm form, const uint8_t* bytes, size_t size,
                   uint64_t entry_offset, char* message, size_t message_size) {
    char what[48];
    std::snprintf(what, sizeof what, "kernel func_id %d", func_id);
    if (bytes == nullptr || size == 0) {
        std::snprintf(message, message_size, "%s: no bytes given (empty binary)", what);
        return PTO_ERR_INVALID_ARGUMENT;
    }
    if (form == KernelForm::kSharedObject) {
        int rc = check_shared_object_bytes(bytes, size, what, message, message_size);
        if (rc != 0) return rc;
    }
    auto image = std::make_shared<KernelImage>();
    image->handle = g_next_handle.fetch_add(1);
    image->func_id = func_id;
    image->form = form;
    image->bytes = size;
    image->entry_offset = entry_offset;
    image->fd = memory_file_with(what, bytes, size);
    if (image->fd < 0) {
        std::snprintf(message, message_size, "%s: cannot keep its %zu bytes in a memory file: %s",
                      what, size, std::strerror(-image->fd));
        return PTO_ERR_OUT_OF_MEMORY;
    }
    SimulatedDevice& device = sim_device(sim_current_device());
    int rc = device.ensure_running(message, message_size);
    uint64_t entry = 0;
    if (rc == 0) rc = device.kernel_entry(*image, &entry, message, message_size);
    if (rc != 0) return rc;
    // The kernel replaced goes when its last holder lets go; if that is this
    // function, after the lock is released.
    std::shared_ptr<KernelImage> replaced;
    Registry& r = registry();
    std::lock_guard<std::mutex> lock(r.mutex);
    replaced.swap(r.kernels[func_id]);
    r.kernels[func_id] = std::move(image);
    return 0;
}

}  // namespace

KernelImage::~KernelImage() {
    uint64_t gone = handle;
    sim_devices_each(
        [](SimulatedDevice& device, void* h) { device.forget_kernel(*static_cast<uint64_t*>(h)); },
        &gone);
    if (fd >= 0) close(fd);
}

int sim_register_kernel(int func_id, const uint8_t* bin, size_t size, char* message,
                        size_t message_size) {
    if (func_id < 0) {
        std::snprintf(message, message_size, "register_kernel: func_id %d is negative", func_id);
        return PTO_ERR_INVALID_ARGUMENT;
    }
    return register_image(func_id, KernelForm::kSharedObject, bin, size, 0, message, message_size);
}

int sim_register_kernel_text(int func_id, const uint8_t* text, size_t size, uint64_t entry_offset,
                             char* message, size_t message_size) {
    if (func_id < 0) {
        std::snprintf(message, message_size, "register_kernel_text: func_id %d is negative",
                      func_id);
        return PTO_ERR_INVALID_ARGUMENT;
    }
    if (text == nullptr || size == 0 || entry_offset >= size) {
        std::snprintf(message, message_size,
                      "register_kernel_text: func_id %d: entry offset %llu is not inside the %zu "
                      "bytes of .text",
                      func_id, static_cast<unsigned long long>(entry_offset), size);
        return PTO_ERR_INVALID_ARGUMENT;
    }
    return register_image(func_id, KernelForm::kText, text, size, entry_offset, message,
                          message_size);
}

std::vector<int32_t> sim_registered_func_ids() {
    Registry& r = registry();
    std::lock_guard<std::mutex> lock(r.mutex);
    std::vector<int32_t> ids;
    for (const auto& entry : r.kernels) {
        if (entry.second) ids.push_back(entry.first);
    }
    std::sort(ids.begin(), ids.end());
    return ids;
}

int sim_kernel_entry(int device_id, int func_id, uint64_t* entry,
                     std::shared_ptr<const void>* keep_alive, char* message, size_t message_size) {
    std::shared_ptr<KernelImage> image;
    {
        Registry& r = registry();
        std::lock_guard<std::mutex> lock(r.mutex);
        auto it = r.kernels.find(func_id);
        if (it == r.kernels.end()) return PTO_ERR_UNREGISTERED_KERNEL;
        image = it->second;
    }
    int rc = sim_device(device_id).kernel_entry(*image, entry, message, message_size);
    if (rc == 0) *keep_alive = std::move(image);
    return rc;
}
