#include "device_arena.h"

#include <fcntl.h>
#include <pthread.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "pto_status.h"

namespace {

// A device of the a2a3 family has 64 GB; the mapping is sparse, so only the
// pages written cost memory. Under ThreadSanitizer the device process must
// find the same range free among its own (randomised) mappings in the
// sanitizer's narrow application ranges, which a smaller arena makes likely.
#if defined(__SANITIZE_THREAD__)
constexpr uint64_t kDefaultBytes = 8ull << 30;
#else
constexpr uint64_t kDefaultBytes = 64ull << 30;
#endif
constexpr uint64_t kAlignment = 64;
// Freed device memory kept mapped for reuse before it goes back to the
// system: bytes of written pages, and separate ranges.
constexpr uint64_t kKeptBytes = 128ull << 20;
constexpr size_t kKeptRanges = 4096;
// Where the arena is placed when nothing else is: far from the program
// (0x55..), the heap and the shared libraries (0x7f..) of both processes,
// so the device process finds it free. A sanitizer's own fixed ranges rule
// this out under ThreadSanitizer, where the kernel picks the place.
constexpr uint64_t kPreferredBase = 0x200000000000ull;

}  // namespace

bool parse_memory_size(const char* text, uint64_t* bytes) {
    if (text == nullptr || *text < '0' || *text > '9') return false;
    char* end = nullptr;
    errno = 0;
    unsigned long long v = std::strtoull(text, &end, 10);
    if (errno != 0) return false;
    unsigned shift = 0;
    switch (*end) {
        case '\0':
            break;
        case 'K':
        case 'k':
            shift = 10;
            break;
        case 'M':
        case 'm':
            shift = 20;
            break;
        case 'G':
        case 'g':
            shift = 30;
            break;
        case 'T':
        case 't':
            shift = 40;
            break;
        default:
            return false;
    }
    if (*end != '\0' && end[1] != '\0') return false;
    if (v == 0 || v > (~0ull >> shift)) return false;
    *bytes = static_cast<uint64_t>(v) << shift;
    return true;
}

namespace {
DeviceArena* arena = nullptr;  // never destroyed: device processes map it to the end
}  // namespace

DeviceArena* DeviceArena::get(char* message, size_t message_size) {
    static std::mutex creating;
    static std::string failure;
    std::lock_guard<std::mutex> lock(creating);
    if (arena != nullptr) return arena;
    if (!failure.empty()) {
        std::snprintf(message, message_size, "%s", failure.c_str());
        return nullptr;
    }
    auto* created = new DeviceArena;
    char why[512] = {};
    if (created->create(why, sizeof why) != 0) {
        delete created;
        failure = why;
        std::snprintf(message, message_size, "%s", why);
        return nullptr;
    }
    arena = created;
    pthread_atfork([] { arena->mutex_.lock(); }, [] { arena->mutex_.unlock(); },
                   [] {
                       arena->sinks_.clear();
                       arena->take_private_copy();
                       arena->mutex_.unlock();
                   });
    return arena;
}

// In a forked child: the mapping it inherited is the parent's device memory
// (shared), and none of the parent's device processes is its own. The child
// gets a memory file of its own at the same address, holding a copy of what
// is allocated now (as the rest of its memory is a copy of the parent's), so
// nothing the child does reaches the parent's buffers. System calls only: a
// forked child of a threaded process may not allocate.
void DeviceArena::take_private_copy() {
    int copy = memfd_create("pto-sim-device-memory", MFD_CLOEXEC);
    if (copy < 0 || ftruncate(copy, static_cast<off_t>(bytes_)) != 0) {
        // No copy possible: no device memory for the child rather than the parent's.
        mmap(reinterpret_cast<void*>(base_), bytes_, PROT_NONE,
             MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED, -1, 0);
        if (copy >= 0) close(copy);
        return;
    }
    for (const auto& [first, e] : live_) {
        off_t offset = static_cast<off_t>(first * page_);
        size_t length = static_cast<size_t>((e.pages - 1) * page_);
        const char* from = reinterpret_cast<const char*>(page_address(first));
        while (length > 0) {
            ssize_t n = pwrite(copy, from, length, offset);
            if (n <= 0) break;
            from += n;
            offset += n;
            length -= static_cast<size_t>(n);
        }
    }
    mmap(reinterpret_cast<void*>(base_), bytes_, PROT_READ | PROT_WRITE,
         MAP_SHARED | MAP_NORESERVE | MAP_FIXED, copy, 0);
    close(fd_);
    fd_ = copy;
}

int DeviceArena::create(char* message, size_t message_size) {
    page_ = static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
    bytes_ = kDefaultBytes;
    if (const char* text = std::getenv("PTO_SIM_DEVICE_MEMORY"); text != nullptr && *text) {
        if (!parse_memory_size(text, &bytes_) || bytes_ < 16 * page_) {
            std::snprintf(message, message_size,
                          "PTO_SIM_DEVICE_MEMORY=%s is not a memory size; give bytes or a "
                          "number with K, M, G or T (at least 64K), e.g. 64G, or unset it for "
                          "the default %lluG",
                          text, static_cast<unsigned long long>(kDefaultBytes >> 30));
            return PTO_ERR_INVALID_ARGUMENT;
        }
        bytes_ = (bytes_ + page_ - 1) / page_ * page_;
    }
    fd_ = memfd_create("pto-sim-device-memory", MFD_CLOEXEC);
    if (fd_ < 0 || ftruncate(fd_, static_cast<off_t>(bytes_)) != 0) {
        std::snprintf(message, message_size,
                      "cannot create the simulated device memory (%llu bytes): %s",
                      static_cast<unsigned long long>(bytes_), std::strerror(errno));
        if (fd_ >= 0) close(fd_);
        fd_ = -1;
        return PTO_ERR_OUT_OF_MEMORY;
    }
    void* at = MAP_FAILED;
#if !defined(__SANITIZE_THREAD__)
    at = mmap(reinterpret_cast<void*>(kPreferredBase), bytes_, PROT_READ | PROT_WRITE,
              MAP_SHARED | MAP_NORESERVE | MAP_FIXED_NOREPLACE, fd_, 0);
    if (at != MAP_FAILED && at != reinterpret_cast<void*>(kPreferredBase)) {
        munmap(at, bytes_);  // an old kernel took the address as a hint only
        at = MAP_FAILED;
    }
#endif
    if (at == MAP_FAILED) {
        at = mmap(nullptr, bytes_, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_NORESERVE, fd_, 0);
    }
    if (at == MAP_FAILED) {
        std::snprintf(message, message_size,
                      "cannot map the simulated device memory (%llu bytes): %s; set "
                      "PTO_SIM_DEVICE_MEMORY to a smaller size, e.g. 4G",
                      static_cast<unsigned long long>(bytes_), std::strerror(errno));
        close(fd_);
        fd_ = -1;
        return PTO_ERR_OUT_OF_MEMORY;
    }
    base_ = reinterpret_cast<uint64_t>(at);
    // Page 0 stays a guard before the first allocation.
    give_pages(1, bytes_ / page_ - 1);
    return 0;
}

uint64_t DeviceArena::take_pages(uint64_t pages) {
    auto it = free_by_size_.lower_bound(pages);
    if (it == free_by_size_.end()) return 0;
    uint64_t first = it->second;
    uint64_t have = it->first;
    free_by_size_.erase(it);
    free_by_start_.erase(first);
    if (have > pages) {
        free_by_start_[first + pages] = have - pages;
        free_by_size_.emplace(have - pages, first + pages);
    }
    return first;
}

void DeviceArena::give_pages(uint64_t first, uint64_t pages) {
    auto erase_free = [this](std::map<uint64_t, uint64_t>::iterator it) {
        auto range = free_by_size_.equal_range(it->second);
        for (auto s = range.first; s != range.second; ++s) {
            if (s->second == it->first) {
                free_by_size_.erase(s);
                break;
            }
        }
        return free_by_start_.erase(it);
    };
    // Coalesce with the free runs on either side.
    auto next = free_by_start_.lower_bound(first);
    if (next != free_by_start_.end() && next->first == first + pages) {
        pages += next->second;
        erase_free(next);
    }
    auto after = free_by_start_.lower_bound(first);
    if (after != free_by_start_.begin()) {
        auto prev = std::prev(after);
        if (prev->first + prev->second == first) {
            first = prev->first;
            pages += prev->second;
            erase_free(prev);
        }
    }
    free_by_start_[first] = pages;
    free_by_size_.emplace(pages, first);
}

bool DeviceArena::any_accessible(uint64_t first, uint64_t pages) const {
    auto it = accessible_free_.upper_bound(first);
    if (it != accessible_free_.begin() && std::prev(it)->first + std::prev(it)->second > first) {
        return true;
    }
    return it != accessible_free_.end() && it->first < first + pages;
}

bool DeviceArena::all_accessible(uint64_t first, uint64_t pages) const {
    auto it = accessible_free_.upper_bound(first);
    if (it == accessible_free_.begin()) return false;
    --it;
    return it->first + it->second >= first + pages;
}

// Takes [first, first + pages) out of the accessible free ranges, keeping
// the parts of them outside it.
void DeviceArena::forget_accessible(uint64_t first, uint64_t pages) {
    const uint64_t end = first + pages;
    auto it = accessible_free_.upper_bound(first);
    if (it != accessible_free_.begin()) --it;
    while (it != accessible_free_.end() && it->first < end) {
        const uint64_t begin = it->first, stop = it->first + it->second;
        if (stop <= first) {
            ++it;
            continue;
        }
        it = accessible_free_.erase(it);
        if (begin < first) accessible_free_[begin] = first - begin;
        if (stop > end) accessible_free_[end] = stop - end;
    }
}

std::vector<DeviceArena::Queued> DeviceArena::queue_change(const DeviceRanges& ranges) {
    std::vector<Queued> queued;
    if (sinks_.empty() || ranges.count == 0) return queued;
    queued.reserve(sinks_.size());
    for (ProtectionSink* s : sinks_) queued.push_back(Queued{s, s->queue_protection(ranges)});
    return queued;
}

int DeviceArena::await_all(const std::vector<Queued>& queued, char* message, size_t message_size) {
    int first = 0;
    for (const Queued& q : queued) {
        char why[512] = {};
        int rc = q.sink->await_protection(q.ticket, why, sizeof why);
        if (rc != 0 && first == 0) {
            first = rc;
            std::snprintf(message, message_size, "%s", why);
        }
    }
    return first;
}

void* DeviceArena::allocate(size_t bytes, ExtentKind kind, char* message, size_t message_size) {
    uint64_t rounded = (static_cast<uint64_t>(bytes) + kAlignment - 1) / kAlignment * kAlignment;
    if (rounded == 0) rounded = kAlignment;
    uint64_t data_pages = (rounded + page_ - 1) / page_;
    uint64_t data = 0;
    std::vector<Queued> queued;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        uint64_t first = rounded <= bytes_ ? take_pages(data_pages + 1) : 0;
        if (first == 0) {
            std::snprintf(message, message_size,
                          "out of simulated device memory for %zu bytes (the device has %llu "
                          "bytes; PTO_SIM_DEVICE_MEMORY sets its size, e.g. "
                          "PTO_SIM_DEVICE_MEMORY=128G)",
                          bytes, static_cast<unsigned long long>(bytes_));
            return nullptr;
        }
        // Pages freed earlier and kept read as zero again: a runtime block
        // must, and a buffer holding the last case's output could let a
        // kernel that never writes its output pass.
        reuse_kept(first, data_pages);
        data = page_address(first + data_pages) - rounded;
        live_[first] = Extent{data_pages + 1, data, rounded, kind};
        live_by_data_[data] = first;
        // The data pages made accessible and the guard page after them
        // inaccessible, where the devices do not have them so already.
        DeviceRanges change{};
        if (!all_accessible(first, data_pages)) {
            change.ranges[change.count++] = range_of(first, data_pages, true);
        }
        if (any_accessible(first + data_pages, 1)) {
            change.ranges[change.count++] = range_of(first + data_pages, 1, false);
        }
        forget_accessible(first, data_pages + 1);
        queued = queue_change(change);
    }
    // Nobody else has these pages: waiting for the devices needs no lock.
    char why[512] = {};
    if (await_all(queued, why, sizeof why) != 0) {
        char ignored[256];
        release(reinterpret_cast<void*>(data), ignored, sizeof ignored);
        std::snprintf(message, message_size,
                      "device memory for %zu bytes could not be made accessible: %s", bytes, why);
        return nullptr;
    }
    return reinterpret_cast<void*>(data);
}

int DeviceArena::release(void* data, char* message, size_t message_size) {
    auto address = reinterpret_cast<uint64_t>(data);
    uint64_t first = 0;
    Extent e{};
    std::vector<Queued> queued;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        auto it = live_by_data_.find(address);
        if (it == live_by_data_.end()) return 1;
        first = it->second;
        e = live_[first];
        live_by_data_.erase(it);
        live_.erase(first);
        if (e.kind == ExtentKind::kRuntimeBlock) {
            // Runtime blocks stay accessible once freed: kernels are never
            // handed them, and the next block reuses them without a word to
            // the devices. Buffers are made inaccessible, so a kernel using
            // one after its free faults.
            accessible_free_[first] = e.pages - 1;
            keep(first, e.pages - 1);
            give_pages(first, e.pages);
            return 0;
        }
        DeviceRanges change{};
        change.ranges[change.count++] = range_of(first, e.pages - 1, false);
        queued = queue_change(change);
    }
    // The pages are in no list: nobody can take them before every device
    // has made them inaccessible, and no lock is held while it does.
    int rc = await_all(queued, message, message_size);
    std::lock_guard<std::mutex> lock(mutex_);
    keep(first, e.pages - 1);
    give_pages(first, e.pages);
    return rc;
}

// Freed pages stay in both processes' page tables for the next allocation
// (a launch frees its block and the next launch takes the same pages: no
// page faults, on either side, for either). What is kept is counted in
// pages that hold data: a runtime block reserves far more than it touches
// (tensormap_and_ringbuffer's rings reserve 1 GiB and a run writes a few
// MB of them), and only written pages cost memory. Beyond kKeptBytes of
// those, or kKeptRanges ranges, they go back to the system, and read as
// zero when handed out again.
void DeviceArena::keep(uint64_t first, uint64_t pages) {
    kept_[first] = pages;
    for_each_data_run(first, pages, [&](uint64_t, uint64_t n) { kept_data_pages_ += n; });
    if (kept_data_pages_ * page_ <= kKeptBytes && kept_.size() <= kKeptRanges) return;
    for (const auto& [at, count] : kept_) {
        fallocate(fd_, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, static_cast<off_t>(at * page_),
                  static_cast<off_t>(count * page_));
    }
    kept_.clear();
    kept_data_pages_ = 0;
}

// Takes [first, first + pages) out of the kept pages, zeroing the ones that
// hold data (the others are holes of the memory file: they read as zero).
void DeviceArena::reuse_kept(uint64_t first, uint64_t pages) {
    uint64_t end = first + pages;
    auto it = kept_.upper_bound(first);
    if (it != kept_.begin()) --it;
    while (it != kept_.end() && it->first < end) {
        uint64_t at = it->first, count = it->second;
        if (at + count <= first) {
            ++it;
            continue;
        }
        uint64_t from = std::max(at, first), to = std::min(at + count, end);
        for_each_data_run(from, to - from, [&](uint64_t run, uint64_t n) {
            std::memset(reinterpret_cast<void*>(page_address(run)), 0, n * page_);
            kept_data_pages_ -= std::min(kept_data_pages_, n);
        });
        it = kept_.erase(it);
        if (at < from) kept_[at] = from - at;
        if (to < at + count) kept_[to] = at + count - to;
    }
}

// Calls visit(first page, pages) for each run of pages in [first, first +
// pages) that holds data in the memory file, found with SEEK_DATA and
// SEEK_HOLE (the kernel skips holes without visiting their pages). Where
// the file cannot tell, every page counts as data.
template <typename Visit>
void DeviceArena::for_each_data_run(uint64_t first, uint64_t pages, Visit visit) const {
    const off_t end = static_cast<off_t>((first + pages) * page_);
    off_t at = static_cast<off_t>(first * page_);
    while (at < end) {
        off_t data = lseek(fd_, at, SEEK_DATA);
        if (data < 0) {
            if (errno != ENXIO) visit(static_cast<uint64_t>(at) / page_, (end - at) / page_);
            return;  // ENXIO: no data from `at` to the end of the file
        }
        if (data >= end) return;
        off_t hole = lseek(fd_, data, SEEK_HOLE);
        if (hole < 0 || hole > end) hole = end;
        const uint64_t run = static_cast<uint64_t>(data) / page_;
        const uint64_t stop = (static_cast<uint64_t>(hole) + page_ - 1) / page_;
        visit(run, stop - run);
        at = static_cast<off_t>(stop * page_);
    }
}

int DeviceArena::subscribe(ProtectionSink* sink, char* message, size_t message_size) {
    std::vector<Queued> queued;
    {
        // Queued under the lock, before the sink is listed: every later
        // change reaches it after the state it starts from.
        std::lock_guard<std::mutex> lock(mutex_);
        DeviceRanges ranges{};
        auto add = [&](uint64_t first, uint64_t pages) {
            ranges.ranges[ranges.count++] = range_of(first, pages, true);
            if (ranges.count == kDeviceRangesPerMessage) {
                queued.push_back(Queued{sink, sink->queue_protection(ranges)});
                ranges.count = 0;
            }
        };
        for (const auto& [first, e] : live_) add(first, e.pages - 1);
        for (const auto& [first, pages] : accessible_free_) add(first, pages);
        if (ranges.count > 0) queued.push_back(Queued{sink, sink->queue_protection(ranges)});
        sinks_.push_back(sink);
    }
    return await_all(queued, message, message_size);
}

void DeviceArena::unsubscribe(ProtectionSink* sink) {
    std::lock_guard<std::mutex> lock(mutex_);
    sinks_.erase(std::remove(sinks_.begin(), sinks_.end(), sink), sinks_.end());
}

DeviceArena::Place DeviceArena::classify(uint64_t address) const {
    Place p;
    if (!contains(address)) return p;
    std::lock_guard<std::mutex> lock(mutex_);
    p.kind = Place::kUnallocated;
    uint64_t page = (address - base_) / page_;
    // The nearest extents below and above: the one whose data the address
    // is nearest to, within a page, is the buffer a kernel ran out of.
    const Extent* below = nullptr;
    const Extent* above = nullptr;
    auto it = live_.upper_bound(page);
    if (it != live_.begin()) below = &std::prev(it)->second;
    if (it != live_.end()) above = &it->second;
    if (below != nullptr && address >= below->data && address < below->data + below->bytes) {
        p.kind = Place::kInside;
        p.data = below->data;
        p.bytes = below->bytes;
        p.extent = below->kind;
        return p;
    }
    uint64_t past = below != nullptr && address >= below->data + below->bytes
                        ? address - (below->data + below->bytes)
                        : ~0ull;
    uint64_t before = above != nullptr && address < above->data ? above->data - address : ~0ull;
    if (past == ~0ull && before == ~0ull) return p;
    const uint64_t near = 2 * page_;
    if (past <= before && past < near) {
        p.kind = Place::kPastEnd;
        p.data = below->data;
        p.bytes = below->bytes;
        p.extent = below->kind;
    } else if (before < past && before < near) {
        p.kind = Place::kBeforeStart;
        p.data = above->data;
        p.bytes = above->bytes;
        p.extent = above->kind;
    }
    return p;
}
