// Kernel calls on the device: straight to the kernel's address in global
// memory. A fault on AICore stops the core; the host sees a stalled run.
#include "kernel_call.h"

#include "aicore_qualifiers.h"

bool pto_call_kernel(uint64_t entry, int64_t* args, KernelFault* fault) {
    using KernelEntry = void (*)(__gm__ int64_t*);
    reinterpret_cast<KernelEntry>(entry)(reinterpret_cast<__gm__ int64_t*>(args));
    fault->signal = 0;
    fault->pc = 0;
    fault->address = 0;
    fault->access = kAccessUnknown;
    return true;
}
