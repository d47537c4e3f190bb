// Host buffers the caller named (pto_name_host_buffer): the runner names
// each tensor it hands to the orchestration. The names serve diagnostics:
// a device allocation copied from or to a named buffer, or recorded with
// it for copy-back, takes its name ("device buffer 'out'"), and a kernel
// fault on an address inside a named host buffer is reported as a host
// pointer that reached a kernel. Names handed out stay valid for the life
// of the process.
#pragma once

#include <cstddef>
#include <cstdint>

struct HostBuffer {
    uint64_t base;
    size_t size;
    const char* name;
};

// Names [host, host + size); replaces names of buffers it overlaps. A null
// name or size 0 forgets the buffer at `host`.
int host_buffer_name(const void* host, size_t size, const char* name, char* message,
                     size_t message_size);
bool host_buffer_containing(uint64_t address, HostBuffer* out);
// Every named buffer, in address order.
void host_buffers_each(void (*visit)(const HostBuffer& buffer, void* context), void* context);
// A name that stays valid for the life of the process.
const char* intern_name(const char* name);
