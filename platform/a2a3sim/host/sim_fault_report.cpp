#include "sim_fault_report.h"

#include <signal.h>

#include <cinttypes>
#include <cstddef>
#include <cstdio>
#include <cstring>
#include <string>

#include "device_arena.h"
#include "device_memory.h"
#include "host_buffers.h"
#include "kernel_names.h"

// Bindings in other languages read PtoKernelFault by these offsets.
static_assert(offsetof(PtoKernelFault, task_id) == 0, "PtoKernelFault layout");
static_assert(offsetof(PtoKernelFault, in_kernel_object) == 16, "PtoKernelFault layout");
static_assert(offsetof(PtoKernelFault, access) == 20, "PtoKernelFault layout");
static_assert(offsetof(PtoKernelFault, pc_offset) == 24, "PtoKernelFault layout");
static_assert(offsetof(PtoKernelFault, fault_address) == 32, "PtoKernelFault layout");
static_assert(offsetof(PtoKernelFault, signal_name) == 40, "PtoKernelFault layout");
static_assert(offsetof(PtoKernelFault, object_path) == 56, "PtoKernelFault layout");
static_assert(sizeof(PtoKernelFault) == 312, "PtoKernelFault layout");

namespace {

const char* signal_name(int sig) {
    switch (sig) {
        case SIGSEGV:
            return "SIGSEGV";
        case SIGBUS:
            return "SIGBUS";
        case SIGILL:
            return "SIGILL";
        case SIGFPE:
            return "SIGFPE";
        case SIGTRAP:
            return "SIGTRAP";
        case SIGSYS:
            return "SIGSYS";
        default:
            return "signal";
    }
}

const char* signal_meaning(int sig) {
    switch (sig) {
        case SIGSEGV:
            return "invalid memory access";
        case SIGBUS:
            return "bus error (misaligned or unmapped access)";
        case SIGILL:
            return "illegal instruction";
        case SIGFPE:
            return "arithmetic fault (integer division by zero?)";
        case SIGTRAP:
            return "trace/breakpoint trap: raise(SIGTRAP) or a breakpoint instruction";
        case SIGSYS:
            return "a call the simulated device refuses";
        default:
            return "fault";
    }
}

std::string hex(uint64_t v) {
    char text[24];
    std::snprintf(text, sizeof text, "0x%" PRIx64, v);
    return text;
}

// "device buffer 'out' (allocation #3, 4096 bytes at 0x...)"
std::string buffer_text(const DeviceArena::Place& place, uint64_t* user_size) {
    DeviceAllocation a{};
    if (place.extent == ExtentKind::kAllocation &&
        device_allocation_containing(reinterpret_cast<const void*>(place.data), &a)) {
        *user_size = a.size;
        return device_allocation_text(a);
    }
    *user_size = place.bytes;
    return "a runtime block (graph image or launch block, " + std::to_string(place.bytes) +
           " bytes at " + hex(place.data) + ")";
}

// What lies at the data address a kernel faulted on.
std::string what_lies_at(uint64_t address) {
    char why[128];
    DeviceArena* arena = DeviceArena::get(why, sizeof why);
    DeviceArena::Place place;
    if (arena != nullptr) place = arena->classify(address);
    uint64_t size = 0;
    switch (place.kind) {
        case DeviceArena::Place::kPastEnd: {
            std::string buffer = buffer_text(place, &size);
            uint64_t end = place.data + size;
            uint64_t past = address >= end ? address - end : 0;
            return hex(address) + " is " + std::to_string(past) + " byte(s) past the end of " +
                   buffer +
                   ", in the guard page after it: the kernel ran past the end of its "
                   "buffer (is the buffer as large as the kernel's data, element type and count?)";
        }
        case DeviceArena::Place::kBeforeStart:
            return hex(address) + " is " + std::to_string(place.data - address) +
                   " byte(s) before the start of " + buffer_text(place, &size) +
                   ": the kernel ran before the start of its buffer";
        case DeviceArena::Place::kUnallocated:
            return hex(address) +
                   " is device memory that is not allocated (freed, or never handed out)";
        case DeviceArena::Place::kInside:
            return hex(address) + " is inside " + buffer_text(place, &size);
        case DeviceArena::Place::kOutside:
            break;
    }
    HostBuffer host{};
    if (host_buffer_containing(address, &host)) {
        return hex(address) + " is not device memory: it lies in host buffer '" + host.name +
               "' (" + std::to_string(host.size) + " bytes at " + hex(host.base) +
               "): a host pointer reached a kernel; kernels can only use device memory (pass "
               "a device_malloc'd copy, filled with copy_to_device)";
    }
    if (address < 65536) {
        return hex(address) + " is not device memory: a null pointer (plus " +
               std::to_string(address) + ")";
    }
    std::string range = arena != nullptr ? " (device memory is " + hex(arena->base()) + " to " +
                                               hex(arena->base() + arena->bytes()) + ")"
                                         : "";
    return hex(address) + " is not device memory" + range +
           ": a host pointer, or a pointer computed wrongly, reached a kernel";
}

// "close(3), the device's control channel to the host", from the guard's
// detail word.
std::string refused_call_text(uint64_t detail) {
    const int fd = static_cast<int>(detail & 0xffffffffu);
    const char* what = fd == 1 ? "stdout" : fd == 2 ? "stderr" : "control channel to the host";
    std::string call;
    switch (static_cast<DescriptorCall>((detail >> 32) & 0xff)) {
        case DescriptorCall::kClose:
            call = "close(" + std::to_string(fd) + ")";
            break;
        case DescriptorCall::kCloseRange:
            call = "close_range over descriptor " + std::to_string(fd);
            break;
        case DescriptorCall::kDup2:
            call = "dup2 onto descriptor " + std::to_string(fd);
            break;
        case DescriptorCall::kDup3:
            call = "dup3 onto descriptor " + std::to_string(fd);
            break;
        default:
            call = "a call on descriptor " + std::to_string(fd);
            break;
    }
    return call + ", the device's " + what;
}

}  // namespace

void sim_describe_fault(const KernelFaultRecord& record, const DeviceAddress* where,
                        PtoKernelFault* out, char* message, size_t message_size) {
    PtoKernelFault f;
    std::memset(&f, 0, sizeof f);
    f.task_id = record.task_id;
    f.func_id = record.func_id;
    f.worker_id = record.worker_id;
    f.signal = record.signal;
    f.fault_address = record.address;
    f.access = record.access;
    std::snprintf(f.signal_name, sizeof f.signal_name, "%s", signal_name(record.signal));
    bool located = where != nullptr && where->known;
    if (located) {
        f.pc_offset = where->offset;
        f.in_kernel_object = where->in_kernel_object;
        std::snprintf(f.object_path, sizeof f.object_path, "%s", where->object);
    } else {
        f.pc_offset = record.pc;
    }
    *out = f;

    const char* name = kernel_name(record.func_id);
    char at[512];
    if (f.in_kernel_object) {
        std::snprintf(at, sizeof at, "at kernel offset 0x%llx",
                      static_cast<unsigned long long>(f.pc_offset));
    } else if (located) {
        bool symbol = where->symbol[0] != '\0';
        std::snprintf(at, sizeof at, "in %s+0x%llx (outside the kernel's own code)",
                      symbol ? where->symbol : where->object,
                      static_cast<unsigned long long>(symbol ? where->symbol_offset : f.pc_offset));
    } else {
        std::snprintf(at, sizeof at, "at pc 0x%llx", static_cast<unsigned long long>(record.pc));
    }
    std::string address;
    std::string lies;
    if (record.signal == SIGSEGV || record.signal == SIGBUS) {
        const int how = record.access & 3;
        address = how == 2   ? ": a write to address "
                  : how == 1 ? ": a read of address "
                             : " at address ";
        address += hex(record.address);
        lies = (record.access & 4) != 0
                   ? "; " + hex(record.address) +
                         " lies just under the worker thread's stack: the kernel overflowed its "
                         "stack (deep recursion, or large local arrays; a device core has far "
                         "less stack than this thread)"
                   : "; " + what_lies_at(record.address);
    } else if (record.signal == SIGSYS) {
        // The device's descriptor guard (device/device_descriptors.h).
        address = ": " + refused_call_text(record.address);
        lies = "; a kernel may not close or replace the simulated device's own descriptors "
               "(its control channel, stdout, stderr)";
    }
    std::snprintf(message, message_size,
                  "kernel fault: task %d, func_id %d%s%s%s, on worker %d: %s (%s%s) %s%s; "
                  "outputs were not copied back",
                  record.task_id, record.func_id, name ? " (" : "", name ? name : "",
                  name ? ")" : "", record.worker_id, f.signal_name, signal_meaning(record.signal),
                  address.c_str(), at, lies.c_str());
}
