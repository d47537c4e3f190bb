/// \file pto_status.h
/// Status codes of the host C API and of the scheduler. 0 is success, every
/// failure is negative; pto_status_name() maps a code to its symbolic name.
#pragma once

#ifdef __cplusplus
extern "C" {
#endif

/// What a C API call returns: ::PTO_OK or a negative code.
enum PtoStatus {
    PTO_OK = 0,                        ///< success
    PTO_ERR_INVALID_ARGUMENT = -1,     ///< an argument is out of range, null or inconsistent
                                       ///< (pto_last_error() names it)
    PTO_ERR_OUT_OF_MEMORY = -2,        ///< host or device memory ran out
    PTO_ERR_LOAD_BINARY = -3,          ///< a shared object handed as bytes did not load
    PTO_ERR_SYMBOL_NOT_FOUND = -4,     ///< an expected entry symbol is missing
    PTO_ERR_ORCHESTRATION = -5,        ///< the orchestration failed (returned non-zero, threw)
    PTO_ERR_LIMIT_EXCEEDED = -6,       ///< a graph limit (tasks, arguments, successors)
    PTO_ERR_UNREGISTERED_KERNEL = -7,  ///< a task's func_id has no registered kernel
    PTO_ERR_BAD_LAUNCH_CONFIG = -8,    ///< thread count / block_dim combination
    PTO_ERR_TIMEOUT = -9,              ///< no progress within the bound
    PTO_ERR_SCHEDULER = -10,           ///< the scheduler reported an inconsistency
    PTO_ERR_NOT_INITIALIZED = -11,     ///< handle was not set up by init_runtime
    PTO_ERR_DEVICE = -12,              ///< the device (or its simulation) failed
    PTO_ERR_INVALID_GRAPH = -13,       ///< cycles, edges to missing tasks, a graph changed late
    PTO_ERR_KERNEL_FAULT = -14,        ///< a kernel crashed (signal on the simulator)
    PTO_ERR_BUSY = -15,                ///< the handle or the device is in use
    PTO_ERR_DEVICE_LOST = -16,         ///< the device went away during the call (simulator: its
                                       ///< process ended); the next launch starts a fresh one
    PTO_ERR_BLOCK_RACE = -17,          ///< two blocks of one task changed the same bytes
                                       ///< (found by the block checker, PTO2_CHECK_BLOCKS=1)
};

/// The symbolic name of a status code ("PTO_ERR_TIMEOUT"), or
/// "PTO_ERR_UNKNOWN".
const char* pto_status_name(int code);

#ifdef __cplusplus
}
#endif
