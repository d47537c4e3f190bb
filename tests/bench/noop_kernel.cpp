// The benchmark's kernels. Built twice: as the no-op kernel (func_id 0), so a
// run measures the runtime alone, and with BUSY_KERNEL as a kernel that
// computes for args[0] ms (func_id 1).
#include <chrono>
#include <cstdint>

#ifdef BUSY_KERNEL
extern "C" void kernel_entry(int64_t* args) {
    auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(args[0]);
    volatile uint64_t work = 0;
    while (std::chrono::steady_clock::now() < until) work = work + 1;
}
#else
extern "C" void kernel_entry(int64_t*) {}
#endif
