// Kernels loaded in the device process, by the host's registration handle:
// a shared object whose `kernel_entry` workers call, or raw .text mapped
// read+execute and entered at an offset. The host releases a registration
// once no launch can use it any more (it was replaced and every launch
// holding it ended).
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "loaded_object.h"
#include "sim_device_protocol.h"

class DeviceKernels {
public:
    // Loads a kernel from `fd` (taken); 0 and its entry, or a PtoStatus with the reason.
    int load(const DeviceRegisterKernel& request, int fd, uint64_t* entry, std::string* message);
    void release(uint64_t handle);
    // Whether `entry` is the entry of a kernel loaded here.
    bool is_entry(uint64_t entry) const;

    // Where `address` lies, in the terms of a kernel fault report; `entry` is
    // the entry of the kernel the task ran (its object is "the kernel's own").
    struct Place {
        bool known = false;
        bool in_kernel = false;
        bool text = false;
        int func_id = -1;
        uint64_t offset = 0;
    };
    Place place_of(uint64_t address, uint64_t entry) const;

private:
    struct Kernel {
        int func_id = -1;
        LoadedObject object;   // shared object form
        void* text = nullptr;  // .text form
        uint64_t text_bytes = 0;
        const void* object_base = nullptr;
        uint64_t entry = 0;
        ~Kernel();
    };
    const Kernel* holding(uint64_t address) const;  // with the mutex held

    mutable std::mutex mutex_;
    std::unordered_map<uint64_t, std::unique_ptr<Kernel>> kernels_;
};
