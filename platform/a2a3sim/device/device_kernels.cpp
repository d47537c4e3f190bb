#include "device_kernels.h"

#include <dlfcn.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "pto_status.h"

DeviceKernels::Kernel::~Kernel() {
    if (text != nullptr) munmap(text, text_bytes);
}

int DeviceKernels::load(const DeviceRegisterKernel& request, int fd, uint64_t* entry,
                        std::string* message) {
    auto k = std::make_unique<Kernel>();
    k->func_id = request.func_id;
    std::string what = "kernel func_id " + std::to_string(request.func_id);
    if (request.form == KernelForm::kText) {
        // The device's way: only the bytes of .text, executable, entered at an offset.
        void* text = mmap(nullptr, request.bytes, PROT_READ | PROT_EXEC, MAP_PRIVATE, fd, 0);
        int error = errno;
        close(fd);
        if (text == MAP_FAILED) {
            *message = what + ": mapping " + std::to_string(request.bytes) +
                       " bytes of .text failed: " + std::strerror(error);
            return PTO_ERR_LOAD_BINARY;
        }
        k->text = text;
        k->text_bytes = request.bytes;
        k->entry = reinterpret_cast<uint64_t>(text) + request.entry_offset;
    } else {
        int rc = k->object.open(fd, what.c_str(), message);
        if (rc != 0) return rc;
        void* address = nullptr;
        if ((rc = k->object.resolve("kernel_entry", what.c_str(), &address, message)) != 0) {
            return rc;
        }
        k->entry = reinterpret_cast<uint64_t>(address);
        Dl_info info{};
        if (dladdr(address, &info) != 0) k->object_base = info.dli_fbase;
    }
    *entry = k->entry;
    std::lock_guard<std::mutex> lock(mutex_);
    kernels_[request.handle] = std::move(k);
    return 0;
}

void DeviceKernels::release(uint64_t handle) {
    std::unique_ptr<Kernel> gone;
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = kernels_.find(handle);
    if (it == kernels_.end()) return;
    gone = std::move(it->second);
    kernels_.erase(it);
}

bool DeviceKernels::is_entry(uint64_t entry) const {
    std::lock_guard<std::mutex> lock(mutex_);
    for (const auto& [handle, k] : kernels_) {
        if (k->entry == entry) return true;
    }
    return false;
}

const DeviceKernels::Kernel* DeviceKernels::holding(uint64_t address) const {
    for (const auto& [handle, k] : kernels_) {
        if (k->text != nullptr) {
            auto base = reinterpret_cast<uint64_t>(k->text);
            if (address >= base && address - base < k->text_bytes) return k.get();
        }
    }
    return nullptr;
}

DeviceKernels::Place DeviceKernels::place_of(uint64_t address, uint64_t entry) const {
    Place p;
    std::lock_guard<std::mutex> lock(mutex_);
    if (const Kernel* k = holding(address)) {
        // A kernel loaded as raw .text: the offset is inside its .text.
        p.known = true;
        p.text = true;
        p.func_id = k->func_id;
        p.offset = address - reinterpret_cast<uint64_t>(k->text);
        p.in_kernel = holding(entry) == k;
        return p;
    }
    Dl_info at{};
    if (dladdr(reinterpret_cast<void*>(address), &at) == 0 || at.dli_fbase == nullptr) return p;
    p.known = true;
    p.offset = address - reinterpret_cast<uint64_t>(at.dli_fbase);
    for (const auto& [handle, k] : kernels_) {
        if (k->object_base == at.dli_fbase) p.func_id = k->func_id;
    }
    Dl_info kernel{};
    p.in_kernel =
        dladdr(reinterpret_cast<void*>(entry), &kernel) != 0 && kernel.dli_fbase == at.dli_fbase;
    return p;
}
