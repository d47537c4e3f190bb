// The AICPU kernels of the scheduler .so. On the device the toolkit calls
// these two symbols with a KernelArgs block (the init kernel once, the main
// kernel once per scheduler thread); the simulator's host calls them the same
// way, from one host thread per scheduler thread.
#include "aicpu_entry.h"
#include "export.h"
#include "kernel_args.h"
#include "pto_status.h"

extern "C" PTO_EXPORT int DynTileFwkBackendKernelServerInit(void* kernel_args) {
    return kernel_args == nullptr ? PTO_ERR_INVALID_ARGUMENT : 0;
}

extern "C" PTO_EXPORT int DynTileFwkBackendKernelServer(void* kernel_args) {
    if (kernel_args == nullptr) return PTO_ERR_INVALID_ARGUMENT;
    auto* args = static_cast<KernelArgs*>(kernel_args);
    return aicpu_execute(args->runtime_args);
}
