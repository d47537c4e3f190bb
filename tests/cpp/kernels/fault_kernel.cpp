// Test kernel that misbehaves on purpose. args: GraphSpec*, task index,
// fault kind (FaultKind in graph_spec.h). Notes its thread first. Each
// faulting statement is marked so the test can find its line.
#include <signal.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>

#include "../graph_spec.h"

extern "C" void kernel_entry(int64_t* args) {
    auto* spec = reinterpret_cast<GraphSpec*>(args[0]);
    spec->fault_thread_id.store(syscall(SYS_gettid));
    volatile int64_t kind = args[2];
    auto* out = static_cast<volatile float*>(spec->device_out);
    const uint64_t elements = spec->device_bytes / sizeof(float);
    if (kind == kSegfault) {
        volatile int* null_pointer = nullptr;
        *null_pointer = 42;  // FAULT:segv
    } else if (kind == kDivideByZero) {
        volatile int zero = 0;
        volatile int quotient = 7 / zero;  // FAULT:fpe
        (void)quotient;
    } else if (kind == kIllegalInstruction) {
        __builtin_trap();  // FAULT:ill
    } else if (kind == kBusError) {
        int fd = memfd_create("bus", 0);
        ftruncate(fd, 4096);
        volatile char* page =
            static_cast<char*>(mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0));
        ftruncate(fd, 0);
        page[0] = 1;  // FAULT:bus
    } else if (kind == kWritePastEnd) {
        for (uint64_t i = 0; i <= elements; ++i) out[i] = 1.0f;  // FAULT:past-end
    } else if (kind == kWriteBeforeStart) {
        volatile float* before = out - 1;
        *before = 1.0f;  // FAULT:before-start
    } else if (kind == kReadHostPointer) {
        volatile const int* host = static_cast<const int*>(spec->host_pointer);
        spec->violations.store(*host);  // FAULT:host-pointer
    } else if (kind == kAbort) {
        std::fprintf(stderr, "fault_kernel: giving up on task %lld\n", (long long)args[1]);
        std::abort();
    } else if (kind == kThrow) {
        throw std::runtime_error("fault_kernel cannot go on");
    } else if (kind == kExit) {
        std::exit(3);
    } else if (kind == kTrap) {
        raise(SIGTRAP);  // FAULT:trap
    }
}
