#include "sim_fault_report.h"

#include <dlfcn.h>
#include <signal.h>

#include <cstddef>
#include <cstdio>
#include <cstring>

#include "kernel_names.h"
#include "sim_kernel_registry.h"

// Bindings in other languages read PtoKernelFault by these offsets.
static_assert(offsetof(PtoKernelFault, task_id) == 0, "PtoKernelFault layout");
static_assert(offsetof(PtoKernelFault, in_kernel_object) == 16, "PtoKernelFault layout");
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
        default:
            return "fault";
    }
}

}  // namespace

void sim_describe_fault(const KernelFaultRecord& record, PtoKernelFault* out, char* message,
                        size_t message_size) {
    PtoKernelFault f;
    std::memset(&f, 0, sizeof f);
    f.task_id = record.task_id;
    f.func_id = record.func_id;
    f.worker_id = record.worker_id;
    f.signal = record.signal;
    f.fault_address = record.address;
    std::snprintf(f.signal_name, sizeof f.signal_name, "%s", signal_name(record.signal));

    Dl_info at{};
    Dl_info kernel{};
    int text_func = -1;
    uint64_t text_offset = 0;
    if (sim_text_kernel_at(record.pc, &text_func, &text_offset) && text_func == record.func_id) {
        // A kernel loaded as raw .text: the offset is inside its .text section.
        f.pc_offset = text_offset;
        f.in_kernel_object = 1;
        std::snprintf(f.object_path, sizeof f.object_path, "(.text of func_id %d)", text_func);
        *out = f;
    }
    bool located = !f.in_kernel_object && dladdr(reinterpret_cast<void*>(record.pc), &at) != 0 &&
                   at.dli_fbase != nullptr;
    uint64_t entry = record.kernel_entry;
    bool kernel_known = entry != 0 && dladdr(reinterpret_cast<void*>(entry), &kernel) != 0;
    if (located) {
        f.pc_offset = record.pc - reinterpret_cast<uint64_t>(at.dli_fbase);
        f.in_kernel_object = kernel_known && kernel.dli_fbase == at.dli_fbase;
        std::snprintf(f.object_path, sizeof f.object_path, "%s", at.dli_fname ? at.dli_fname : "");
    } else if (!f.in_kernel_object) {
        f.pc_offset = record.pc;
    }
    *out = f;

    const char* name = kernel_name(record.func_id);
    char where[160];
    if (f.in_kernel_object) {
        std::snprintf(where, sizeof where, "at kernel offset 0x%llx",
                      static_cast<unsigned long long>(f.pc_offset));
    } else if (located) {
        std::snprintf(
            where, sizeof where, "in %s+0x%llx (outside the kernel's own code)",
            at.dli_sname ? at.dli_sname : (at.dli_fname ? at.dli_fname : "?"),
            static_cast<unsigned long long>(
                at.dli_sname ? record.pc - reinterpret_cast<uint64_t>(at.dli_saddr) : f.pc_offset));
    } else {
        std::snprintf(where, sizeof where, "at pc 0x%llx",
                      static_cast<unsigned long long>(record.pc));
    }
    char address[64] = "";
    if (record.signal == SIGSEGV || record.signal == SIGBUS) {
        std::snprintf(address, sizeof address, " at address 0x%llx",
                      static_cast<unsigned long long>(record.address));
    }
    std::snprintf(
        message, message_size,
        "kernel fault: task %d, func_id %d%s%s%s, on worker %d: %s (%s%s) %s; outputs were "
        "not copied back",
        record.task_id, record.func_id, name ? " (" : "", name ? name : "", name ? ")" : "",
        record.worker_id, f.signal_name, signal_meaning(record.signal), address, where);
}
