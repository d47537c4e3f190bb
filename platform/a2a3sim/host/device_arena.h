// The simulated devices' memory: one memory file (memfd) mapped shared at
// the same address in the host and in every device process, so a device
// pointer means the same on both sides. The host owns it; a device process
// that ends takes nothing of it along.
//
// Allocations are whole pages with an inaccessible guard page after each
// (and page 0 before the first): a buffer is placed so its end meets its
// guard page, keeping its start 64-byte aligned, as device global memory
// hands out. A kernel running past the end of a buffer whose size is a
// multiple of 64 bytes faults on its first byte past the end (a smaller
// overrun of another size stays within the up to 63 bytes of rounding);
// running before its start faults once it leaves the buffer's first page.
// In the devices' view, only live allocations are accessible: freed memory
// and guard pages fault. The host's own view is all read-write (its copies
// are checked against the allocation table instead).
//
// Freed pages are kept mapped for the next allocation (up to 128 MB of
// written pages; zeroed when handed out again), then go back to the memory
// file (hole punched), so memory is returned to the system.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "sim_device_protocol.h"

// A protection change a device was given, to wait for.
struct ProtectionTicket {
    uint64_t id = 0;  // 0: nothing to wait for (no process was up)
    uint64_t generation = 0;
};

// Receives the changes to what devices may access (a device process that
// is up). queue_protection is called with the arena's lock held, in the
// order of the changes, and must not block; await_protection without it.
class ProtectionSink {
public:
    virtual ~ProtectionSink() = default;
    virtual ProtectionTicket queue_protection(const DeviceRanges& ranges) = 0;
    // 0 once the device applied the change (or its process ended: the next
    // one is given the whole state); else a PtoStatus with the reason.
    virtual int await_protection(const ProtectionTicket& ticket, char* message,
                                 size_t message_size) = 0;
};

enum class ExtentKind : uint8_t { kAllocation, kRuntimeBlock };

class DeviceArena {
public:
    // The process's arena, created on first use (PTO_SIM_DEVICE_MEMORY sets
    // its size). Null with the reason in `message` if it cannot be created.
    static DeviceArena* get(char* message, size_t message_size);

    // `bytes` (rounded up to 64), zero-filled and accessible to every device
    // process before it returns; null with the reason (a device that could
    // not make it accessible included).
    void* allocate(size_t bytes, ExtentKind kind, char* message, size_t message_size);
    // Frees what allocate returned: inaccessible to every device process
    // before its pages can be handed out again. 0; 1 if `data` is not a
    // live extent; or a PtoStatus (< 0) with the reason a device gave (it is
    // freed all the same).
    int release(void* data, char* message, size_t message_size);

    int fd() const { return fd_; }
    uint64_t base() const { return base_; }
    uint64_t bytes() const { return bytes_; }
    bool contains(uint64_t address) const { return address >= base_ && address - base_ < bytes_; }

    // Adds a device: it first receives every live extent, then each change.
    // 0, or a PtoStatus with the reason the device could not apply them.
    int subscribe(ProtectionSink* sink, char* message, size_t message_size);
    void unsubscribe(ProtectionSink* sink);

    // Where an address the device faulted on lies.
    struct Place {
        enum Kind {
            kOutside,      // not in device memory
            kInside,       // inside a live extent
            kPastEnd,      // after an extent's end (its guard page, or free memory)
            kBeforeStart,  // before an extent's start
            kUnallocated,  // free memory, near no extent
        } kind = kOutside;
        uint64_t data = 0;  // the extent's start
        uint64_t bytes = 0;
        ExtentKind extent = ExtentKind::kAllocation;
    };
    Place classify(uint64_t address) const;

private:
    DeviceArena() = default;
    int create(char* message, size_t message_size);
    struct Extent {
        uint64_t pages;  // data pages and the guard page after them
        uint64_t data;   // address of the data
        uint64_t bytes;  // rounded to 64
        ExtentKind kind;
    };
    uint64_t take_pages(uint64_t pages);  // 0 when none; guarded by mutex_
    void give_pages(uint64_t first, uint64_t pages);
    struct Queued {
        ProtectionSink* sink;
        ProtectionTicket ticket;
    };
    // Under the lock: queues the ranges to every device, in order.
    std::vector<Queued> queue_change(const DeviceRanges& ranges);
    DeviceRange range_of(uint64_t first_page, uint64_t pages, bool accessible) const {
        return DeviceRange{page_address(first_page), pages * page_, accessible ? 1u : 0u, 0};
    }
    // Free pages every device has accessible (freed runtime blocks: the next
    // launch's block takes the same pages, and neither its allocation nor
    // this free then costs a round trip to each device).
    bool all_accessible(uint64_t first, uint64_t pages) const;
    bool any_accessible(uint64_t first, uint64_t pages) const;
    void forget_accessible(uint64_t first, uint64_t pages);
    // Without the lock: waits for every device to apply it; the first failure.
    static int await_all(const std::vector<Queued>& queued, char* message, size_t message_size);
    void take_private_copy();
    void keep(uint64_t first, uint64_t pages);
    void reuse_kept(uint64_t first, uint64_t pages);
    template <typename Visit>
    void for_each_data_run(uint64_t first, uint64_t pages, Visit visit) const;
    uint64_t page_address(uint64_t page) const { return base_ + page * page_; }

    int fd_ = -1;
    uint64_t base_ = 0;
    uint64_t bytes_ = 0;
    uint64_t page_ = 4096;
    mutable std::mutex mutex_;
    std::map<uint64_t, uint64_t> free_by_start_;      // first page -> pages
    std::multimap<uint64_t, uint64_t> free_by_size_;  // pages -> first page
    std::map<uint64_t, Extent> live_;                 // first page -> extent
    std::map<uint64_t, uint64_t> live_by_data_;       // data address -> first page
    std::vector<ProtectionSink*> sinks_;
    std::map<uint64_t, uint64_t> accessible_free_;  // first page -> pages
    std::map<uint64_t, uint64_t> kept_;  // freed pages not yet returned: first -> pages
    uint64_t kept_data_pages_ = 0;       // of the kept pages, those holding data
};

// Parses a size such as 64G, 512M or 1073741824 (PTO_SIM_DEVICE_MEMORY).
bool parse_memory_size(const char* text, uint64_t* bytes);
