// Device memory as the host side of every platform sees it.
//
// Allocations (device_malloc, the orchestration's host_api.device_malloc)
// are tracked with their size, so a copy, a freed pointer or a recorded
// output can be checked against the allocation it claims to be in. Blocks
// (graph images, launch blocks) are the runtime's own device memory: a host
// view it writes and reads, and the device address the device uses.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

// One live allocation. `id` tells two allocations at the same address apart;
// `name` is the host buffer it was copied from, to or recorded with (see
// host_buffers.h), or null.
struct DeviceAllocation {
    uint64_t base;
    size_t size;
    uint64_t id;
    const char* name;
};

// Tracked allocations; every failure writes a one-line reason into `message`.
void* device_allocate(size_t size, uint64_t* id, char* message, size_t message_size);
// Frees a live allocation; `id` 0 frees whatever lives at `p`, otherwise only
// that allocation (so a holder never frees someone else's reuse of the
// address). False, with the reason, when nothing matching lives there.
bool device_release(void* p, uint64_t id, char* message, size_t message_size);
// The live allocation containing `p`, if any.
bool device_allocation_containing(const void* p, DeviceAllocation* out);
bool device_allocation_live(uint64_t base, uint64_t id);
// Gives the allocation holding `dev` the name of the named host buffer
// holding `host`, if it has no name yet (an output recorded for copy-back).
void device_allocation_learn_name(const void* dev, const void* host);
// Names the live allocation that starts at `dev` (its name in every report,
// over one learned from a host buffer); a null or empty name forgets it.
// 0, or PTO_ERR_INVALID_ARGUMENT when no allocation starts there.
int device_allocation_set_name(const void* dev, const char* name, char* message,
                               size_t message_size);
// "device buffer 'scratch' (device_malloc #4, 64 bytes at 0x...)": how
// reports call an allocation.
std::string device_allocation_text(const DeviceAllocation& a);
// Copies, checked: the device range must lie inside one live allocation.
int device_copy_to(void* dev, const void* host, size_t n, char* message, size_t message_size);
int device_copy_from(void* host, const void* dev, size_t n, char* message, size_t message_size);

// A block the runtime lays out for the device.
struct DeviceBlock {
    uint8_t* host = nullptr;  // the host's view (the block itself where memory is shared)
    uint64_t device = 0;      // the address the device uses
    size_t size = 0;
};

// Device blocks of the platform. Where host and device share memory
// (simulator) publish and collect do nothing; on a device they copy the
// host view in and out. release may run on any thread.
class DeviceBlocks {
public:
    virtual ~DeviceBlocks() = default;
    // Zero-filled.
    virtual int allocate(size_t size, DeviceBlock* out, char* message, size_t message_size) = 0;
    virtual int publish(const DeviceBlock& block, char* message, size_t message_size) = 0;
    virtual int collect(const DeviceBlock& block, char* message, size_t message_size) = 0;
    virtual void release(const DeviceBlock& block) = 0;
};

DeviceBlocks& platform_device_blocks();
