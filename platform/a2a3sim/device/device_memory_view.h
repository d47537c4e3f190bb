// Device memory as the device process sees it: the host's shared mapping,
// mapped at the same address, inaccessible except where the host made it
// accessible (live allocations and the runtime's blocks). Everything else in
// it (guard pages after each allocation, freed memory) faults when a kernel
// touches it, and host buffers the host named are reserved inaccessible too,
// so a host pointer that reaches a kernel faults instead of reading this
// process's own memory by chance.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>

#include "sim_device_protocol.h"

class DeviceMemoryView {
public:
    // Maps `bytes` of `fd` at `address`, all inaccessible. 0, or -errno with
    // the reason in `message`.
    int map(int fd, uint64_t address, uint64_t bytes, std::string* message);
    // Makes the ranges accessible or not. 0, or PTO_ERR_DEVICE with the
    // first range that could not be changed in `message` (the rest are
    // still applied).
    int protect(const DeviceRanges& ranges, std::string* message);
    // Reserves host ranges where this process has nothing mapped (a range
    // in use here stays as it is: best effort, never an error).
    void reserve_host_ranges(const DeviceRanges& ranges);
    uint64_t base() const { return base_; }
    uint64_t bytes() const { return bytes_; }

private:
    void reserve_gap(uint64_t begin, uint64_t end);

    uint64_t base_ = 0;
    uint64_t bytes_ = 0;
    std::map<uint64_t, uint64_t> reserved_;  // host ranges reserved here: begin -> end
};
