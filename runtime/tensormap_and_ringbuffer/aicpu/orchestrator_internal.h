// What the orchestrator's files share: its settings (batch sizes, bounds,
// alignment), the clocks and announcements of its waits, and small helpers.
// Used by the orchestrator's own files only.
#pragma once

#include <atomic>
#include <cinttypes>
#include <cstdint>
#include <cstdio>

#include "orchestrator.h"
#include "ring_layout.h"
#include "time_source.h"

namespace orch_detail {

// Heap pieces (task arguments, outputs) start on a cache line: enough for
// the vector unit's 32-byte accesses, and small tasks touch little memory.
constexpr uint64_t kHeapAlign = 64;
constexpr uint64_t kMaxParkNs = 10'000'000;
// With one AICPU thread: submissions between two scheduler steps.
constexpr uint32_t kSubmitsPerStep = 8;
// How often the rings' last_alive are reloaded for maybe_alive().
constexpr uint32_t kSubmitsPerRefresh = 16;
// Adds the time from `entered` to the scope's end to `total`: the
// orchestration's waits, reported apart from its own work.
struct WaitClock {
    uint64_t& total;
    uint64_t entered;
    ~WaitClock() { total += pto_now_ns() - entered; }
};
// Says what the orchestrator waits for (the stall report shows it; a wait
// for tensor data is rung by every completion, lifecycle::wake_orchestrator, whose
// fence pairs with the one here). Set before the waiter samples its
// doorbell and checks its condition.
struct WaitAnnouncement {
    std::atomic<int32_t>& flag;
    WaitAnnouncement(std::atomic<int32_t>& f, OrchestratorWait what) : flag(f) {
        flag.store(static_cast<int32_t>(what), std::memory_order_relaxed);
        std::atomic_thread_fence(std::memory_order_seq_cst);
    }
    ~WaitAnnouncement() {
        flag.store(static_cast<int32_t>(OrchestratorWait::kNone), std::memory_order_release);
    }
};
// A wait for room that finds some but not a batch's worth takes what there
// is once nothing has retired for this long (the run has gone quiet).
constexpr uint64_t kRoomSettleNs = 200'000;
// The batch a wait for room waits for beyond the request: this share of the
// ring (a window, heap or pool of N gives N / 8), so that a full ring wakes
// the orchestrator once per batch of submissions, not once per retirement.
constexpr uint64_t kBatchShare = 8;

// Whether producer `p` is done. An alloc_tensors task (no shape, in the
// slot's line this thread writes) is done once published: its state line,
// which the schedulers' reference releases keep taking, is not read.
inline bool producer_done(const TaskSlot& p) {
    return p.shape < 0 ||
           p.state.load(std::memory_order_acquire) == static_cast<int32_t>(SlotState::kDone);
}

// Upstream's bound on a wait for tensor data.
constexpr uint64_t kTensorWaitNs = 15'000'000'000ull;

inline uint64_t align_up(uint64_t n, uint64_t a) {
    return (n + a - 1) / a * a;
}

// Bytes of a tensor the runtime allocates, or false when its element count
// is absurd (past 2^56 bytes: more than any heap, and a sum of 32 of them
// still fits 64 bits).
inline bool created_bytes(const TensorCreateInfo& info, uint64_t* bytes) {
    uint64_t n = get_element_size(info.dtype);
    for (uint32_t i = 0; i < info.ndims; ++i) {
        if (__builtin_mul_overflow(n, info.shapes[i], &n)) return false;
    }
    if (n > (1ull << 56)) return false;
    *bytes = align_up(n, kHeapAlign);
    return true;
}

inline const char* error_name(int32_t code) {
    switch (code) {
        case PTO2_ERROR_SCOPE_DEADLOCK:
            return "SCOPE_DEADLOCK";
        case PTO2_ERROR_HEAP_RING_DEADLOCK:
            return "HEAP_RING_DEADLOCK";
        case PTO2_ERROR_FLOW_CONTROL_DEADLOCK:
            return "FLOW_CONTROL_DEADLOCK";
        case PTO2_ERROR_DEP_POOL_OVERFLOW:
            return "DEP_POOL_OVERFLOW";
        case PTO2_ERROR_TENSORMAP_OVERFLOW:
            return "TENSORMAP_OVERFLOW";
        case PTO2_ERROR_INVALID_ARGS:
            return "INVALID_ARGS";
        case PTO2_ERROR_EXPLICIT_ORCH_FATAL:
            return "EXPLICIT_ORCH_FATAL";
        case PTO2_ERROR_TENSOR_WAIT_TIMEOUT:
            return "TENSOR_WAIT_TIMEOUT";
        case PTO2_ERROR_SCHEDULER_TIMEOUT:
            return "SCHEDULER_TIMEOUT";
        case PTO2_ERROR_REQUIRE_SYNC_START_INVALID:
            return "REQUIRE_SYNC_START_INVALID";
        default:
            return "ORCHESTRATION_FATAL";
    }
}

inline void text_bytes(uint64_t n, char* out, size_t size) {
    if (n >= (1ull << 30) && n % (1ull << 30) == 0) {
        std::snprintf(out, size, "%" PRIu64 " GiB", n >> 30);
    } else if (n >= (1ull << 20) && n % (1ull << 20) == 0) {
        std::snprintf(out, size, "%" PRIu64 " MiB", n >> 20);
    } else if (n >= 1024 && n % 1024 == 0) {
        std::snprintf(out, size, "%" PRIu64 " KiB", n >> 10);
    } else {
        std::snprintf(out, size, "%" PRIu64 " bytes", n);
    }
}

}  // namespace orch_detail
