// How a worker calls a kernel. The simulator catches the kernel's faults
// (SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP) and returns them instead of letting them
// take the process down; the device calls the kernel directly.
#pragma once

#include <cstdint>

// How a faulting instruction used its data address (SIGSEGV), when the
// processor says.
enum KernelFaultAccess : int {
    kAccessUnknown = 0,
    kAccessRead = 1,
    kAccessWrite = 2,
    kAccessStackOverflow = 4,  // or'ed in: the address lies just under the worker's stack
};

struct KernelFault {
    int signal;        // 0 when the kernel returned normally
    uint64_t pc;       // faulting instruction
    uint64_t address;  // faulting data address, when the signal has one
    int access;        // KernelFaultAccess
};

// Returns true when the kernel returned, false (with `fault` filled) when it faulted.
bool pto_call_kernel(uint64_t entry, int64_t* args, KernelFault* fault);
