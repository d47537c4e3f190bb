// Turns the fault a worker recorded into the report the C API hands out: the
// object holding the faulting instruction and the offset in it (so the
// runner can name the source line), and a one-line summary that says, for a
// bad data address, what lies there: which buffer's guard page (how far past
// its end, or before its start), freed device memory, a host buffer, or
// nothing at all.
#pragma once

#include <cstddef>

#include "pto_runtime_c_api.h"
#include "runtime_host_interface.h"
#include "sim_device_protocol.h"

// `where` is the device process's description of the instruction address,
// or null when it could not be asked.
void sim_describe_fault(const KernelFaultRecord& record, const DeviceAddress* where,
                        PtoKernelFault* out, char* message, size_t message_size);
