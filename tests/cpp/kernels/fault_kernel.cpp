// Test kernel that faults on purpose. args: GraphSpec*, task index, fault
// kind (1 SIGSEGV, 2 SIGFPE, 3 SIGILL, 4 SIGBUS). Notes its thread first.
// Each faulting statement is marked so the test can find its line.
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdint>

#include "../graph_spec.h"

extern "C" void kernel_entry(int64_t* args) {
    reinterpret_cast<GraphSpec*>(args[0])->fault_thread_id.store(syscall(SYS_gettid));
    volatile int64_t kind = args[2];
    if (kind == 1) {
        volatile int* null_pointer = nullptr;
        *null_pointer = 42;  // FAULT:segv
    } else if (kind == 2) {
        volatile int zero = 0;
        volatile int quotient = 7 / zero;  // FAULT:fpe
        (void)quotient;
    } else if (kind == 3) {
        __builtin_trap();  // FAULT:ill
    } else if (kind == 4) {
        int fd = memfd_create("bus", 0);
        ftruncate(fd, 4096);
        volatile char* page =
            static_cast<char*>(mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0));
        ftruncate(fd, 0);
        page[0] = 1;  // FAULT:bus
    }
}
