// Turns the fault the workers recorded into the report the C API hands out.
#pragma once

#include "pto_runtime_c_api.h"
#include "runtime_host_interface.h"

// Fills `out` and writes a one-line summary into `message`.
void sim_describe_fault(const KernelFaultRecord& record, PtoKernelFault* out, char* message,
                        size_t message_size);
// Per-thread record behind pto_last_kernel_fault.
void sim_set_last_fault(const PtoKernelFault* fault);
