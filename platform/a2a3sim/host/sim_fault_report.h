// Turns the fault a worker recorded into the report the C API hands out: the
// object holding the faulting instruction and the offset in it (so the
// runner can name the source line), and a one-line summary.
#pragma once

#include <cstddef>

#include "pto_runtime_c_api.h"
#include "runtime_host_interface.h"

void sim_describe_fault(const KernelFaultRecord& record, PtoKernelFault* out, char* message,
                        size_t message_size);
