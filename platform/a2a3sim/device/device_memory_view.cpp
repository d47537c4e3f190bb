#include "device_memory_view.h"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <vector>

#include "pto_status.h"

namespace {

uint64_t page_size() {
    static const uint64_t size = static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
    return size;
}

}  // namespace

int DeviceMemoryView::map(int fd, uint64_t address, uint64_t bytes, std::string* message) {
    void* want = reinterpret_cast<void*>(address);
    void* got =
        mmap(want, bytes, PROT_NONE, MAP_SHARED | MAP_FIXED_NOREPLACE | MAP_NORESERVE, fd, 0);
    if (got == MAP_FAILED || got != want) {
        int error = got == MAP_FAILED ? errno : EEXIST;
        if (got != MAP_FAILED) munmap(got, bytes);
        char text[200];
        std::snprintf(text, sizeof text,
                      "cannot map device memory at 0x%llx (%llu bytes) in the device process: %s",
                      static_cast<unsigned long long>(address),
                      static_cast<unsigned long long>(bytes), std::strerror(error));
        *message = text;
        return -error;
    }
    base_ = address;
    bytes_ = bytes;
    return 0;
}

int DeviceMemoryView::protect(const DeviceRanges& ranges, std::string* message) {
    int status = 0;
    for (uint32_t i = 0; i < ranges.count && i < kDeviceRangesPerMessage; ++i) {
        const DeviceRange& r = ranges.ranges[i];
        // Only ranges inside device memory: the host never asks for others,
        // and this process must not change its own mappings on request.
        if (r.address < base_ || r.bytes > bytes_ || r.address - base_ > bytes_ - r.bytes) {
            if (status == 0) {
                *message = "a protection change for a range outside device memory was refused";
                status = PTO_ERR_INVALID_ARGUMENT;
            }
            continue;
        }
        int prot = r.accessible ? PROT_READ | PROT_WRITE : PROT_NONE;
        if (mprotect(reinterpret_cast<void*>(r.address), r.bytes, prot) != 0 && status == 0) {
            const int error = errno;
            char text[256];
            std::snprintf(text, sizeof text,
                          "the device process could not make 0x%llx (%llu bytes) %s: %s (too many "
                          "live allocations? see vm.max_map_count)",
                          static_cast<unsigned long long>(r.address),
                          static_cast<unsigned long long>(r.bytes),
                          r.accessible ? "accessible" : "inaccessible", std::strerror(error));
            *message = text;
            status = PTO_ERR_DEVICE;
        }
    }
    return status;
}

void DeviceMemoryView::reserve_host_ranges(const DeviceRanges& ranges) {
    const uint64_t page = page_size();
    for (uint32_t i = 0; i < ranges.count && i < kDeviceRangesPerMessage; ++i) {
        const DeviceRange& r = ranges.ranges[i];
        if (r.bytes == 0) continue;
        uint64_t begin = r.address & ~(page - 1);
        uint64_t end = (r.address + r.bytes + page - 1) & ~(page - 1);
        if (end <= begin) continue;
        // Only the parts not reserved already.
        uint64_t at = begin;
        auto it = reserved_.upper_bound(begin);
        if (it != reserved_.begin()) {
            auto before = std::prev(it);
            if (before->second > at) at = before->second;
        }
        for (; at < end && it != reserved_.end() && it->first < end; ++it) {
            if (it->first > at) reserve_gap(at, it->first);
            at = std::max(at, it->second);
        }
        if (at < end) reserve_gap(at, end);
    }
}

void DeviceMemoryView::reserve_gap(uint64_t begin, uint64_t end) {
    // Never over device memory, and never over anything this process maps
    // (MAP_FIXED_NOREPLACE): a range that is in use here stays as it is.
    if (begin < base_ + bytes_ && end > base_) return;
    void* want = reinterpret_cast<void*>(begin);
    void* got = mmap(want, end - begin, PROT_NONE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED_NOREPLACE, -1, 0);
    if (got == MAP_FAILED) return;
    if (got != want) {
        munmap(got, end - begin);
        return;
    }
    reserved_[begin] = end;
}
