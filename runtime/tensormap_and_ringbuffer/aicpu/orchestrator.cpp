#include "orchestrator.h"

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "device_log.h"
#include "idle_wait.h"
#include "pto_status.h"
#include "task_lifecycle.h"
#include "time_source.h"

namespace {

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
// for tensor data is rung by every completion, tm::wake_orchestrator, whose
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
// The part of a ring's heap a run with little live data keeps reusing.
constexpr uint64_t kHeapWarmBytes = 4ull << 20;

// Whether producer `p` is done. An alloc_tensors task (no kernel, in the
// slot's line this thread writes) is done once published: its state line,
// which the schedulers' reference releases keep taking, is not read.
bool producer_done(const TaskSlot& p) {
    return p.kernel == 0 ||
           p.state.load(std::memory_order_acquire) == static_cast<int32_t>(SlotState::kDone);
}

// The smallest reclaim point l in [from, to] (the ring's last_alive) at which
// fits(tail(l)) holds; tail is nondecreasing in l. `to` if none does.
template <typename Tail, typename Fits>
uint64_t first_fit(uint64_t from, uint64_t to, Tail tail, Fits fits) {
    while (from < to) {
        uint64_t mid = from + (to - from) / 2;
        if (fits(tail(mid)))
            to = mid;
        else
            from = mid + 1;
    }
    return to;
}
// Upstream's bound on a wait for tensor data.
constexpr uint64_t kTensorWaitNs = 15'000'000'000ull;

uint64_t align_up(uint64_t n, uint64_t a) {
    return (n + a - 1) / a * a;
}

// Bytes of a tensor the runtime allocates, or false when its element count
// is absurd (past 2^56 bytes: more than any heap, and a sum of 32 of them
// still fits 64 bits).
bool created_bytes(const TensorCreateInfo& info, uint64_t* bytes) {
    uint64_t n = get_element_size(info.dtype);
    for (uint32_t i = 0; i < info.ndims; ++i) {
        if (__builtin_mul_overflow(n, info.shapes[i], &n)) return false;
    }
    if (n > (1ull << 56)) return false;
    *bytes = align_up(n, kHeapAlign);
    return true;
}

const char* error_name(int32_t code) {
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
        default:
            return "ORCHESTRATION_FATAL";
    }
}

void text_bytes(uint64_t n, char* out, size_t size) {
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

}  // namespace

Orchestrator::Orchestrator(const TmView& v) : v_(v) {
    TmLaunchBlock* b = v.block;
    map_.init(v.at<uint32_t>(b->map_buckets_offset), b->map_buckets,
              v.at<MapEntry>(b->map_entries_offset), v.at<AccessBox>(b->map_boxes_offset),
              b->map_entries);
    scope_tasks_ = v.at<uint64_t>(b->scope_tasks_offset);
    producers_ = v.at<uint64_t>(b->producers_offset);
    seen_ = v.at<SeenSlot>(b->seen_offset);
    if (b->orch_args != 0) {
        const auto& args = *reinterpret_cast<const ChipTaskArgs*>(b->orch_args);
        for (uint32_t i = 0; i < args.tensor_count_ && i < PTO2_MAX_TENSOR_ARGS; ++i) {
            const TensorBuffer& buffer = args.tensors_[i].buffer;
            if (buffer.addr != 0 && buffer.size != 0) {
                known_[known_count_++] = KnownBuffer{buffer.addr, buffer.size};
            }
        }
        std::sort(known_, known_ + known_count_,
                  [](const KnownBuffer& a, const KnownBuffer& b) { return a.base < b.base; });
    }
    if (const char* level = std::getenv("PTO2_LOG_LEVEL")) {
        if (std::strcmp(level, "debug") == 0) log_level_ = PTO2_LOG_DEBUG;
        if (std::strcmp(level, "warn") == 0) log_level_ = PTO2_LOG_WARN;
        if (std::strcmp(level, "error") == 0) log_level_ = PTO2_LOG_ERROR;
    }
}

bool Orchestrator::failed() const {
    return failed_ || v_.block->abort_status.load(std::memory_order_acquire) != 0;
}

// Tasks of scope depth d (1 = the entry's scope) go to ring d - 1, the
// deepest scopes sharing the last ring.
int Orchestrator::ring_now() const {
    uint32_t d = depth_ == 0 ? 1 : depth_;
    return static_cast<int>(d - 1 < kRingCount ? d - 1 : kRingCount - 1);
}

bool Orchestrator::alive(uint64_t id) const {
    // Pairs with advance_ring's seq_cst compare-exchange: below last_alive,
    // the task and everything it waited for are done.
    return number_of(id) >= v_.block->last_alive[ring_of(id)].value.load(std::memory_order_acquire);
}

void Orchestrator::refresh_last_seen() {
    for (int r = 0; r < kRingCount; ++r) {
        if (next_[r] > last_seen_[r]) last_seen(r);
    }
}

uint64_t Orchestrator::last_seen(int ring) {
    last_seen_[ring] = v_.block->last_alive[ring].value.load(std::memory_order_acquire);
    return last_seen_[ring];
}

bool Orchestrator::scope_open(uint32_t depth, uint32_t serial) const {
    return depth >= 1 && depth <= depth_ && scopes_[depth - 1].serial == serial;
}

void Orchestrator::ring_settings_text(char* out, size_t size) const {
    const TmLaunchBlock* b = v_.block;
    char heaps[4][32];
    for (int r = 0; r < kRingCount; ++r) text_bytes(b->rings[r].heap, heaps[r], sizeof heaps[r]);
    std::snprintf(out, size,
                  "rings in force: task window %u,%u,%u,%u (PTO2_RING_TASK_WINDOW, pto-run "
                  "--ring-task-window); heap %s,%s,%s,%s (PTO2_RING_HEAP, --ring-heap); "
                  "dependency pool %u,%u,%u,%u (PTO2_RING_DEP_POOL, --ring-dep-pool); tensor map "
                  "%u entries (PTO2_TENSORMAP_ENTRIES); from C, pto_set_ring_sizes",
                  b->rings[0].window, b->rings[1].window, b->rings[2].window, b->rings[3].window,
                  heaps[0], heaps[1], heaps[2], heaps[3], b->rings[0].dep_pool,
                  b->rings[1].dep_pool, b->rings[2].dep_pool, b->rings[3].dep_pool, b->map_entries);
}

void Orchestrator::vfatal(int32_t code, const char* fmt, va_list args) {
    failed_ = true;
    TmLaunchBlock* b = v_.block;
    int32_t none = 0;
    // The first fatal wins its message; pairs with the host's acquire load
    // of fatal_code after the launch.
    if (b->fatal_code.compare_exchange_strong(none, code, std::memory_order_acq_rel)) {
        b->fatal_func_id = current_func_ >= 0 ? current_func_ + 1 : 0;
        int n = std::snprintf(b->fatal_message, kFatalMessageBytes, "%s: ", error_name(code));
        if (n > 0 && static_cast<size_t>(n) < kFatalMessageBytes) {
            std::vsnprintf(b->fatal_message + n, kFatalMessageBytes - static_cast<size_t>(n), fmt,
                           args);
        }
        stop_launch(LaunchStopFields{b->abort_status, b->stall_ns, b->stopped_ns},
                    PTO_ERR_ORCHESTRATION, 0);
    }
    tm::ring_schedulers(v_);
}

void Orchestrator::fatal(int32_t code, const char* fmt, ...) {
    va_list args;
    va_start(args, fmt);
    vfatal(code, fmt, args);
    va_end(args);
}

void Orchestrator::log(int32_t level, const char* fmt, va_list args) {
    if (level > log_level_) return;
    static const char* const kNames[] = {"ERROR", "WARN", "INFO", "DEBUG"};
    char line[1024];
    std::vsnprintf(line, sizeof line, fmt, args);
    std::fprintf(stderr, "[orchestration %s] %s\n",
                 kNames[level < 0   ? 0
                        : level > 3 ? 3
                                    : level],
                 line);
}

// ---- waiting for room ------------------------------------------------------

void Orchestrator::report_no_room(int ring, Room what, uint64_t need, const TaskSlot* blocker,
                                  bool serial_stall, bool no_progress) {
    char sizes[512];
    ring_settings_text(sizes, sizeof sizes);
    const RingSettings& rs = v_.block->rings[ring];
    char heap[32];
    text_bytes(rs.heap, heap, sizeof heap);
    char who[160] = "";
    if (blocker != nullptr) {
        std::snprintf(who, sizeof who,
                      "its oldest live task (#%" PRIu64
                      ", func_id %d) belongs to the scope at depth %u, still open",
                      blocker->seq, blocker->func_id, blocker->scope_depth);
    }
    const char* mode = serial_stall
                           ? "; the orchestration runs serialised (PTO2_ORCH_SERIAL), so no task "
                             "runs before it returns and a ring can never drain: unset it or give "
                             "rings large enough for the whole graph"
                           : "";
    const char* stalled = no_progress ? " and nothing retired for the run's timeout" : "";
    switch (what) {
        case Room::kWindow: {
            bool own = blocker != nullptr && depth_ > 0 &&
                       blocker->scope_serial == scopes_[depth_ - 1].serial;
            if (own) {
                fatal(PTO2_ERROR_SCOPE_DEADLOCK,
                      "the scope at depth %u (ring %d) holds %u tasks, and ring %d's task window "
                      "of %u keeps at most %u alive: a task is reclaimed only after its scope "
                      "ends; split the work into inner scopes (PTO2_SCOPE() { ... }) or raise "
                      "the window%s; %s",
                      depth_, ring, rs.window - 1, ring, rs.window, rs.window - 1, mode, sizes);
            } else {
                fatal(PTO2_ERROR_FLOW_CONTROL_DEADLOCK,
                      "submitting at scope depth %u, ring %d's task window (%u) is full%s%s%s; "
                      "end scopes sooner or raise the window%s; %s",
                      depth_, ring, rs.window, who[0] ? " and " : "", who, stalled, mode, sizes);
            }
            return;
        }
        case Room::kHeap:
            if (blocker == nullptr && !no_progress && !serial_stall) {
                fatal(PTO2_ERROR_HEAP_RING_DEADLOCK,
                      "a task at scope depth %u needs %" PRIu64
                      " bytes of ring %d's heap, which "
                      "has %s in all: raise it; %s",
                      depth_, need, ring, heap, sizes);
            } else {
                fatal(PTO2_ERROR_HEAP_RING_DEADLOCK,
                      "a task at scope depth %u needs %" PRIu64
                      " bytes and ring %d's heap (%s) "
                      "is full%s%s%s; end scopes sooner or raise the heap%s; %s",
                      depth_, need, ring, heap, who[0] ? " and " : "", who, stalled, mode, sizes);
            }
            return;
        case Room::kDeps:
            fatal(PTO2_ERROR_DEP_POOL_OVERFLOW,
                  "a task at scope depth %u has %" PRIu64
                  " dependencies and ring %d's dependency "
                  "pool (%u entries) has no room for them%s%s%s; raise the pool%s; %s",
                  depth_, need, ring, rs.dep_pool, who[0] ? " and " : "", who, stalled, mode,
                  sizes);
            return;
        case Room::kMap:
            fatal(PTO2_ERROR_TENSORMAP_OVERFLOW,
                  "all %u tensor map entries hold accesses of live tasks%s%s; every argument of "
                  "a live task takes one: end scopes sooner or raise PTO2_TENSORMAP_ENTRIES%s; %s",
                  map_.entry_count(), who[0] ? " and " : "", who, mode, sizes);
            return;
    }
}

// Waits until has_room() holds, while tasks retire. With batch_at_of() (a
// last_alive value of `ring`; 0 for the tensor map, which waits on any
// retirement), it sleeps until that much has retired, so a full ring costs
// one wake-up per batch; it takes the room there is sooner when the run goes
// quiet or nothing more can retire. A wait that can never end is reported
// and returns false: the ring's oldest live task belongs to a scope still
// open here, or nothing at all is alive to free room, or (serialised)
// nothing runs before this thread returns.
template <typename BatchAt, typename HasRoom>
bool Orchestrator::wait_for_room(int ring, Room what, uint64_t need, BatchAt batch_at_of,
                                 HasRoom has_room) {
    TmLaunchBlock* b = v_.block;
    if (has_room()) return true;
    return_prepaid_refs();
    // A batch never retires past the ring's oldest task of a scope still
    // open here: wake there at the latest, where the wait either has room
    // or is stuck (and says so).
    uint64_t batch_at = batch_at_of();
    if (what != Room::kMap) {
        const uint64_t floor = open_scope_floor(ring);
        if (batch_at > floor) batch_at = floor;
    }
    auto batch_retired = [&] {
        return batch_at == 0 ||
               b->last_alive[ring].value.load(std::memory_order_seq_cst) >= batch_at;
    };
    Doorbell& bell = wait_bell();
    const uint64_t entered = pto_now_ns();
    WaitClock clock{wait_ns_, entered};
    WaitAnnouncement waiting(b->orchestrator_waiting, OrchestratorWait::kRoom);
    // Retirements up to the batch ring the doorbell (tm::advance_ring); the
    // tensor map's wait is rung by any retirement on any ring.
    const int wake_from = what == Room::kMap ? 0 : ring;
    const int wake_to = what == Room::kMap ? kRingCount : ring + 1;
    for (int r = wake_from; r < wake_to; ++r) {
        uint64_t target = what == Room::kMap
                              ? b->last_alive[r].value.load(std::memory_order_acquire) + 1
                              : batch_at;
        b->wake_at[r].value.store(target + 1, std::memory_order_seq_cst);
    }
    // Pairs with advance_ring's seq_cst compare-exchange and load of wake_at:
    // of its move and this store, one sees the other (the checks below load
    // last_alive after the fence).
    std::atomic_thread_fence(std::memory_order_seq_cst);
    struct WakeReset {
        TmLaunchBlock* b;
        int from, to;
        ~WakeReset() {
            for (int r = from; r < to; ++r) b->wake_at[r].value.store(0, std::memory_order_relaxed);
        }
    } wake_reset{b, wake_from, wake_to};
    IdleBackoff backoff(WaiterRole::kOrchestrator);
    // A task that has retired moves some ring's last_alive; count across rings
    // (the tensor map waits on any of them).
    auto progress_mark = [&] {
        uint64_t sum = 0;
        for (int r = 0; r < kRingCount; ++r)
            sum += b->last_alive[r].value.load(std::memory_order_acquire);
        return sum;
    };
    uint64_t mark = progress_mark();
    uint64_t since = entered;
    uint64_t backstop = b->timeout_ns > 500'000'000ull ? b->timeout_ns : 500'000'000ull;
    for (;;) {
        uint32_t seq = bell.seq.load(std::memory_order_seq_cst);
        if (failed()) break;
        const bool room = has_room();
        if (room && batch_retired()) return true;
        const TaskSlot* blocker = nullptr;
        bool stuck = false;
        bool any_live = false;
        bool all_stuck = true;
        for (int r = wake_from; r < wake_to; ++r) {
            uint64_t last = b->last_alive[r].value.load(std::memory_order_acquire);
            if (last >= next_[r]) continue;
            any_live = true;
            const TaskSlot& s = v_.slots(r)[last & (b->rings[r].window - 1)];
            bool in_open_scope = scope_open(s.scope_depth, s.scope_serial) &&
                                 s.refs.load(std::memory_order_acquire) > 0;
            bool is_current = s.id == current_;
            if (in_open_scope || is_current) {
                // The task being submitted has no number or kernel yet to name.
                if (blocker == nullptr && !is_current) blocker = &s;
            } else {
                all_stuck = false;
            }
        }
        if (!any_live) {
            stuck = true;  // nothing alive to retire: the request alone is too big
        } else if (all_stuck) {
            stuck = true;
        }
        bool serial = serialised();
        if (stuck || serial) {
            if (room) return true;  // no batch will come: take what there is
            report_no_room(ring, what, need, blocker, serial && !stuck, false);
            break;
        }
        uint64_t now = pto_now_ns();
        uint64_t m = progress_mark();
        if (m != mark) {
            mark = m;
            since = now;
        } else if (room && now - since > kRoomSettleNs) {
            return true;  // nothing retires for now: take what there is
        } else if (now - since > backstop) {
            report_no_room(ring, what, need, nullptr, false, true);
            break;
        }
        if (run_scheduler_step()) {
            backoff.reset();
            continue;
        }
        pto_idle_wait(&bell, seq, &backoff, room ? kRoomSettleNs : kMaxParkNs);
    }
    return false;
}

// A slot and `heap_bytes` of heap in `ring` for a new task.
bool Orchestrator::allocate(int ring, uint64_t heap_bytes, Allocation* out) {
    TmLaunchBlock* b = v_.block;
    const RingSettings& rs = b->rings[ring];
    std::atomic<uint64_t>& last = b->last_alive[ring].value;
    // At most window - 1 live tasks: a slot is reused only once the task a
    // window before it has been reclaimed. A full window waits for room for
    // a batch (an eighth of it) more.
    auto window_batch_at = [&]() -> uint64_t {
        const uint64_t batch = rs.window / kBatchShare > 0 ? rs.window / kBatchShare : 1;
        const uint64_t at =
            next_[ring] + 2 + batch > rs.window ? next_[ring] + 2 + batch - rs.window : 0;
        return at < next_[ring] ? at : next_[ring];
    };
    // The room last seen is checked first: last_alive's line is written by
    // the schedulers as tasks retire, and reading it per task would take it
    // from them each time. Only a ring that looks full is looked at again.
    auto window_room = [&](uint64_t l) { return next_[ring] - l < rs.window - 1; };
    if (!window_room(last_seen_[ring]) &&
        !wait_for_room(ring, Room::kWindow, 1, window_batch_at,
                       [&] { return window_room(last_seen(ring)); })) {
        return false;
    }
    uint64_t number = next_[ring]++;
    uint64_t id = task_id_of(ring, number);
    TaskSlot& s = v_.slots(ring)[number & (rs.window - 1)];
    // The slot's previous task is reclaimed: nothing reads it any more.
    s.id = id;
    s.seq = ~0ull;
    s.kernel = 0;
    s.args = 0;
    s.func_id = -1;
    s.core_type = -1;
    s.pending.store(1, std::memory_order_relaxed);
    s.refs.store(2, std::memory_order_relaxed);  // scope + own completion
    s.state.store(static_cast<int32_t>(SlotState::kPending), std::memory_order_relaxed);
    s.fanout_head.store(0, std::memory_order_relaxed);
    s.consumed.store(0, std::memory_order_relaxed);
    s.scope_serial = depth_ > 0 ? scopes_[depth_ - 1].serial : 0;
    s.scope_depth = static_cast<uint8_t>(depth_);
    s.args_lines = 0;
    s.dep_begin = dep_head_[ring];
    s.dep_count = 0;
    current_ = id;

    // The heap: the task's bytes in one piece, skipping the ring's tail
    // when they do not fit before the end.
    uint64_t need = align_up(heap_bytes, kHeapAlign);
    uint64_t head = heap_head_[ring];
    uint64_t at = heap_at_[ring];  // head % rs.heap, kept without dividing
    uint64_t skip = at + need > rs.heap ? rs.heap - at : 0;
    // Where the oldest live piece starts (ring coordinates): the newest
    // reclaimed task's end, written by this thread. With nothing older
    // alive, all of the heap is free from where this piece goes.
    auto heap_tail_at = [&](uint64_t l) -> uint64_t {
        if (l >= number) return head + skip;
        return l == 0 ? 0 : v_.slots(ring)[(l - 1) & (rs.window - 1)].heap_end;
    };
    // Past the first kHeapWarmBytes of a lap, start the next lap early when
    // the bytes before the oldest live piece are at least as many as the
    // live ones (and this piece): a run whose live data is small keeps
    // reusing the same warm pages, about twice its live bytes, instead of
    // touching the whole heap (resident memory, cache, page faults).
    if (skip == 0 && at >= kHeapWarmBytes && at >= next_early_wrap_[ring] &&
        rs.heap >= 2 * kHeapWarmBytes) {
        const uint64_t tail = heap_tail_at(last_seen(ring));
        const uint64_t lap = head - at;
        // This lap's bytes below the tail (none while live pieces remain in
        // the lap before).
        const uint64_t free_before = tail >= lap ? tail - lap : 0;
        const uint64_t live = head - tail;
        if (free_before >= need && free_before >= live) {
            skip = rs.heap - at;
            next_early_wrap_[ring] = kHeapWarmBytes;
        } else {
            next_early_wrap_[ring] = at + kHeapWarmBytes / 8;  // not yet: look again later
        }
    }
    // The reclaim point that frees the request and a batch (an eighth of the
    // heap) more; the ends of live tasks' pieces grow with their numbers.
    auto heap_batch_at = [&]() -> uint64_t {
        const uint64_t want = need + skip + rs.heap / kBatchShare;
        auto tail_at = [&](uint64_t l) -> uint64_t {
            if (l >= number) return head + skip;
            return l == 0 ? 0 : v_.slots(ring)[(l - 1) & (rs.window - 1)].heap_end;
        };
        return first_fit(last.load(std::memory_order_acquire), number, tail_at,
                         [&](uint64_t tail) { return head + want - tail <= rs.heap; });
    };
    auto heap_room = [&](uint64_t l) { return head + skip + need - heap_tail_at(l) <= rs.heap; };
    if (need > rs.heap || (!heap_room(last_seen_[ring]) &&
                           !wait_for_room(ring, Room::kHeap, need, heap_batch_at,
                                          [&] { return heap_room(last_seen(ring)); }))) {
        if (need > rs.heap && !failed())
            report_no_room(ring, Room::kHeap, need, nullptr, false, false);
        s.heap_end = heap_head_[ring];
        return false;
    }
    heap_head_[ring] = head + skip + need;
    heap_at_[ring] = (skip > 0 ? 0 : at) + need;
    if (skip > 0) next_early_wrap_[ring] = kHeapWarmBytes;  // a new lap: look from its start
    if (heap_at_[ring] == rs.heap) heap_at_[ring] = 0;
    s.heap_end = heap_head_[ring];
    out->id = id;
    out->slot = &s;
    out->memory = v_.heap(ring) + (skip > 0 ? 0 : at);
    return true;
}

// The number of `ring`'s oldest task that belongs to a scope still open
// here, or ~0 if none: scope i (depth i + 1) puts its tasks in ring
// min(i, 3), and the scope stack holds each open scope's tasks after its
// tasks_begin (a nested scope's are gone once it ends).
uint64_t Orchestrator::open_scope_floor(int ring) const {
    const uint32_t open = depth_ < PTO2_MAX_SCOPE_DEPTH ? depth_ : PTO2_MAX_SCOPE_DEPTH;
    for (uint32_t i = static_cast<uint32_t>(ring); i < open; ++i) {
        if (ring < kRingCount - 1 && i != static_cast<uint32_t>(ring)) break;
        const uint32_t begin = scopes_[i].tasks_begin;
        const uint32_t end = i + 1 < open ? scopes_[i + 1].tasks_begin : scope_top_;
        if (begin < end) return number_of(scope_tasks_[begin]);
    }
    return ~0ull;
}

// ---- discovery ---------------------------------------------------------------

// Adds `id` to the current task's producers once: an ordering edge, and a
// hold on its memory when `owns_memory` (it made a buffer the task uses).
// A task's first few producers are checked by a scan of the list; beyond
// that, by a hash set stamped per submission (large, so probing it misses
// the cache: not worth it for the usual handful).
bool Orchestrator::note_producer(uint64_t id, bool owns_memory) {
    if (id == current_) return true;
    const uint64_t flag = owns_memory ? kProducerOwnsMemory : 0;
    SeenSlot* slot = nullptr;
    if (producer_count_ < kScannedProducers) {
        for (uint32_t i = 0; i < producer_count_; ++i) {
            if ((producers_[i] & ~kProducerOwnsMemory) == id) {
                producers_[i] |= flag;
                return true;
            }
        }
    } else {
        slot = find_seen(id);
        if (slot->stamp == seen_stamp_) {
            producers_[slot->at] |= flag;
            return true;
        }
    }
    const uint32_t cap = v_.block->producer_capacity;
    if (producer_count_ >= cap) {
        fatal(PTO2_ERROR_DEP_POOL_OVERFLOW,
              "task #%" PRIu64
              " (func_id %d) depends on more than %u earlier tasks, the largest "
              "dependency pool of a ring; raise PTO2_RING_DEP_POOL",
              next_seq_, current_func_, cap);
        return false;
    }
    if (slot != nullptr) *slot = SeenSlot{id, seen_stamp_, producer_count_};
    producers_[producer_count_++] = id | flag;
    // From here on the set answers: it gets the scanned ones.
    if (producer_count_ == kScannedProducers) {
        for (uint32_t i = 0; i < producer_count_; ++i) remember_producer(i);
    }
    return true;
}

// The set's slot holding `id` this submission, or the free slot where it goes.
SeenSlot* Orchestrator::find_seen(uint64_t id) {
    const uint64_t mask = 2ull * v_.block->producer_capacity - 1;
    const uint64_t h = (id * 0x9E3779B97F4A7C15ull) >> 20;
    for (uint64_t i = 0;; ++i) {
        SeenSlot* slot = &seen_[(h + i) & mask];
        if (slot->stamp != seen_stamp_ || slot->id == id) return slot;
    }
}

void Orchestrator::remember_producer(uint32_t at) {
    const uint64_t id = producers_[at] & ~kProducerOwnsMemory;
    *find_seen(id) = SeenSlot{id, seen_stamp_, at};
}

bool Orchestrator::discover(uint64_t id, PTO2ArgKind kind, const ChipTensor& t,
                            const AccessRegion& r, bool manual) {
    if (t.owner_task != 0) {
        if (!maybe_alive(t.owner_task - 1))
            return !memory_gone(t.owner_task - 1, "a tensor argument");
        if (!note_producer(t.owner_task - 1, true)) return false;
    }
    if (t.manual_dep != 0 || kind == PTO2ArgKind::NO_DEP) return true;
    if (r.empty()) return true;
    bool write = kind != PTO2ArgKind::INPUT;
    auto is_alive = [&](uint64_t task) { return maybe_alive(task); };
    auto is_alive_now = [&](uint64_t task) { return alive(task); };
    bool ok = true;
    // In a MANUAL scope the task takes no discovered edges, but its access
    // is recorded all the same: tasks after the scope, and the
    // orchestration's get/set_tensor_data, are ordered after it.
    auto edge = [&](uint64_t producer) {
        if (manual) return true;
        ok = note_producer(producer, false);
        return ok;
    };
    AccessRegion keyed = r;
    const uint64_t key = map_key(t, &keyed);
    // INOUT reads and writes the same elements: recorded as the write it is
    // (a later reader depends on it; it depends on earlier writers and readers).
    if (map_.access(key, keyed, write, !manual, id, is_alive, edge)) return ok;
    // No entry free: drop the retired ones, then wait for more to retire.
    if (!ok) return false;
    auto any_retirement = []() -> uint64_t { return 0; };
    if (!wait_for_room(0, Room::kMap, 1, any_retirement,
                       [&] { return map_.sweep(is_alive_now) > 0; }))
        return false;
    return map_.access(key, keyed, write, !manual, id, is_alive, edge) && ok;
}

uint64_t Orchestrator::map_key(const ChipTensor& t, AccessRegion* r) const {
    const uint64_t addr = t.buffer.addr;
    // The last known buffer starting at or below addr.
    const KnownBuffer* end = known_ + known_count_;
    const KnownBuffer* at = std::upper_bound(
        known_, end, addr, [](uint64_t a, const KnownBuffer& k) { return a < k.base; });
    if (at == known_) return addr;
    --at;
    const uint64_t delta = addr - at->base;
    if (delta == 0 || delta >= at->size) return addr;
    // Compared by byte range from the known base: exact boxes are of the
    // descriptor's own lattice, which the shift does not keep.
    r->lo += delta;
    r->hi += delta;
    r->boxed = 0;
    return at->base;
}

// A tensor whose memory belonged to task `owner`, which has retired (or is
// retiring): the memory may already hold another task's data.
bool Orchestrator::memory_gone(uint64_t owner, const char* what) {
    char who[64] = "";
    if (current_ != PTO2_INVALID_TASK_ID) {
        std::snprintf(who, sizeof who, "task #%" PRIu64 " (func_id %d): ", next_seq_,
                      current_func_);
    }
    fatal(PTO2_ERROR_INVALID_ARGS,
          "%s%s uses memory the runtime allocated for task %" PRIu64
          " of ring %d (an OUTPUT or alloc_tensors), which has retired: its scope ended and no "
          "running task held it, so the heap may have handed it out again; use such a tensor "
          "only while the scope that made it is open (make it in an outer scope to keep it)",
          who, what, number_of(owner), ring_of(owner));
    return true;
}

bool Orchestrator::outputs_held(uint64_t id) {
    if (failed()) return false;
    if (id == PTO2_INVALID_TASK_ID || ring_of(id) >= kRingCount) return false;
    const TaskSlot& s = v_.slot(id);
    if (alive(id) && s.id == id && s.refs.load(std::memory_order_acquire) > 0) return true;
    fatal(PTO2_ERROR_INVALID_ARGS,
          "TaskOutputTensors::get_ref: task %" PRIu64
          " of ring %d has retired (its scope ended and no running task held its outputs), so "
          "its output descriptors and memory are gone; take get_ref while the scope that "
          "submitted it is open",
          number_of(id), ring_of(id));
    return false;
}

bool Orchestrator::take_owner_ref(TaskSlot& p, uint64_t pid) {
    for (PrepaidRefs& e : prepaid_) {
        if (e.id == pid + 1 && e.left > 0) {
            --e.left;
            return true;
        }
    }
    if (!tm::try_take_refs(p, kPrepaidRefs)) return false;
    PrepaidRefs* slot = nullptr;
    for (PrepaidRefs& e : prepaid_) {
        if (e.left == 0) {
            slot = &e;
            break;
        }
    }
    if (slot == nullptr) {
        slot = &prepaid_[prepaid_next_++ % kPrepaidOwners];
        tm::release_refs(v_, slot->id - 1, slot->left);
    }
    *slot = PrepaidRefs{pid + 1, kPrepaidRefs - 1};
    return true;
}

void Orchestrator::return_prepaid_refs() {
    for (PrepaidRefs& e : prepaid_) {
        if (e.left > 0) tm::release_refs(v_, e.id - 1, e.left);
        e = PrepaidRefs{};
    }
}

// Links the current task behind each producer still running and holds the
// memory of each producer that made a buffer it uses, in dependency entries
// of its ring. A producer already done that owns nothing it uses needs no
// entry; one already reclaimed needs nothing at all.
// Puts consumer `c`'s entry `e` (ref `ref`) on producer `p`'s fanout list,
// unless `p` completed and closed it: then `c` has no edge to wait for.
// The pending count goes up first, so the producer's completion, which sees
// the entry, also sees the count; it cannot reach zero meanwhile (c holds
// one while it is submitted).
bool Orchestrator::push_fanout(TaskSlot& p, TaskSlot& c, DepEntry& e, uint64_t ref) {
    c.pending.fetch_add(1, std::memory_order_relaxed);
    uint64_t head = p.fanout_head.load(std::memory_order_acquire);
    while (head != kFanoutClosed) {
        e.next = head;
        // Release publishes e and the pending count; pairs with the acquire
        // exchange in tm::complete_task.
        if (p.fanout_head.compare_exchange_weak(head, ref, std::memory_order_release,
                                                std::memory_order_acquire)) {
            return true;
        }
    }
    c.pending.fetch_sub(1, std::memory_order_relaxed);
    return false;
}

bool Orchestrator::link(const Allocation& a) {
    int ring = ring_of(a.id);
    const RingSettings& rs = v_.block->rings[ring];
    TaskSlot& c = *a.slot;
    if (producer_count_ == 0) return true;
    // Edges are recorded for every live producer (the graph as discovered);
    // entries are kept only for those that need one.
    uint32_t n = 0;
    for (uint32_t i = 0; i < producer_count_; ++i) {
        const uint64_t entry = producers_[i];
        const uint64_t pid = entry & ~kProducerOwnsMemory;
        const TaskSlot& p = v_.slot(pid);
        if (!maybe_alive(pid) || p.id != pid) {
            if ((entry & kProducerOwnsMemory) != 0) return !memory_gone(pid, "a tensor argument");
            continue;
        }
        if (p.seq != ~0ull && next_seq_ != ~0ull) {
            if (p.seq < v_.block->record_capacity)
                ++v_.at<uint32_t>(v_.block->fanouts_offset)[p.seq];
            // The orchestrator alone writes edges_seen: no read-modify-write.
            uint32_t k = v_.block->edges_seen.load(std::memory_order_relaxed);
            v_.block->edges_seen.store(k + 1, std::memory_order_relaxed);
            if (k < v_.block->edge_capacity) {
                v_.edges()[k] =
                    EdgeRecord{static_cast<uint32_t>(p.seq), static_cast<uint32_t>(next_seq_)};
            }
        }
        if (producer_done(p) && (entry & kProducerOwnsMemory) == 0) continue;
        producers_[n++] = entry;
    }
    if (n == 0) return true;
    std::atomic<uint64_t>& last = v_.block->last_alive[ring].value;
    uint64_t number = number_of(a.id);
    auto pool_room = [&](uint64_t l) {
        const uint64_t tail = l >= number ? dep_head_[ring]
                              : l == 0    ? 0
                                          : v_.slots(ring)[(l - 1) & (rs.window - 1)].dep_end();
        return dep_head_[ring] + n - tail <= rs.dep_pool;
    };
    if (n > rs.dep_pool) {
        report_no_room(ring, Room::kDeps, n, nullptr, false, false);
        return false;
    }
    auto pool_batch_at = [&]() -> uint64_t {
        const uint64_t want = n + rs.dep_pool / kBatchShare;
        auto tail_at = [&](uint64_t l) -> uint64_t {
            if (l >= number) return dep_head_[ring];
            return l == 0 ? 0 : v_.slots(ring)[(l - 1) & (rs.window - 1)].dep_end();
        };
        return first_fit(last.load(std::memory_order_acquire), number, tail_at, [&](uint64_t tail) {
            return dep_head_[ring] + want - tail <= rs.dep_pool;
        });
    };
    if (!pool_room(last_seen_[ring]) && !wait_for_room(ring, Room::kDeps, n, pool_batch_at, [&] {
            return pool_room(last_seen(ring));
        })) {
        return false;
    }
    c.dep_begin = dep_head_[ring];
    for (uint32_t i = 0; i < n; ++i) {
        const uint64_t pid = producers_[i] & ~kProducerOwnsMemory;
        const bool hold = (producers_[i] & kProducerOwnsMemory) != 0;
        uint64_t index = dep_head_[ring]++;
        DepEntry& e = v_.deps(ring)[index % rs.dep_pool];
        e.producer = pid;
        e.consumer = a.id;
        e.next = 0;
        e.holds_ref = 0;
        // The slot still holds the producer: only this thread reuses slots,
        // and it allocated none since the pass above. Reclaimed meanwhile, it
        // has no references left to take and is done.
        TaskSlot& p = v_.slot(pid);
        if (hold) {
            if (!take_owner_ref(p, pid)) {
                c.dep_count = static_cast<uint32_t>(dep_head_[ring] - c.dep_begin);
                return !memory_gone(pid, "a tensor argument");
            }
            e.holds_ref = 1;
        }
        if (producer_done(p)) continue;
        if (push_fanout(p, c, e, task_id_of(ring, index % rs.dep_pool) + 1)) ++linked_;
    }
    c.dep_count = static_cast<uint32_t>(dep_head_[ring] - c.dep_begin);
    return true;
}

// ---- submitting ----------------------------------------------------------------

const KernelEntry* Orchestrator::resolve_kernel(int32_t func_id) const {
    const KernelEntry* k = v_.kernels();
    uint32_t lo = 0, hi = v_.block->kernel_count;
    while (lo < hi) {
        uint32_t mid = (lo + hi) / 2;
        if (k[mid].func_id < func_id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < v_.block->kernel_count && k[lo].func_id == func_id && k[lo].entry != 0 ? &k[lo]
                                                                                      : nullptr;
}

bool Orchestrator::check_tensor(const ChipTensor& t, int index, const char* what,
                                AccessRegion* region) {
    const char* problem = nullptr;
    char detail[160] = "";
    if (t.ndims == 0 || t.ndims > PTO2_MAX_TENSOR_DIMS) {
        problem =
            "has no valid shape (ndims 0, or a reshape of a view that is not contiguous or "
            "keeps a different element count)";
    } else if (get_element_size(t.dtype) == 0) {
        problem = "has an unknown dtype";
    } else if (t.buffer.addr == 0) {
        problem =
            "has no buffer (a TaskOutputTensors of a failed submit, or an output used before it "
            "was made)";
    } else {
        *region = AccessRegion::of(t);
        const AccessRegion& r = *region;
        if (r.hi == ~0ull) {
            problem = "reaches past its buffer (its shapes and strides overflow 64 bits)";
        } else if (r.hi > t.buffer.size) {
            problem = "reaches past its buffer";
            std::snprintf(detail, sizeof detail,
                          " (the view ends at byte %" PRIu64 " of a %" PRIu64 "-byte buffer)", r.hi,
                          t.buffer.size);
        }
    }
    if (problem == nullptr) return true;
    fatal(PTO2_ERROR_INVALID_ARGS, "task #%" PRIu64 " (func_id %d): tensor argument %d (%s) %s%s",
          next_seq_, current_func_, index, what, problem, detail);
    return false;
}

void Orchestrator::publish(const Allocation& a, bool has_kernel) {
    TaskSlot& s = *a.slot;
    TmLaunchBlock* b = v_.block;
    // Every task of an open scope is alive, and the stack holds as many as
    // the rings keep alive: it cannot fill. Were it full, the task's scope
    // reference would never be dropped and its ring would stall; stop now.
    if (scope_top_ >= b->scope_capacity) {
        fatal(PTO2_ERROR_INVALID_ARGS,
              "task #%" PRIu64 ": the open scopes already hold %u tasks, all the rings keep "
              "alive; this is a runtime fault, please report it with the orchestration",
              s.seq, b->scope_capacity);
        return;
    }
    scope_tasks_[scope_top_++] = a.id;
    if (!has_kernel) {
        // alloc_tensors: nothing to run; done at once.
        s.pending.store(0, std::memory_order_relaxed);
        tm::complete_task(v_, s, TaskTrace(), pto_now_ns());
        return;
    }
    if (TaskRecord* r = tm::record_of(v_, s.seq)) {
        r->state.store(static_cast<int32_t>(SlotState::kPending) + 1, std::memory_order_release);
    }
    // This thread alone counts submissions (no read-modify-write); counted
    // before the task can become ready, so completed never passes it.
    b->submitted.store(b->submitted.load(std::memory_order_relaxed) + 1, std::memory_order_release);
    // Drops the submission's hold: if every producer is done, the task is
    // ready now (acq_rel pairs with the producers' completions). Linked
    // behind none, no other thread knows the task: a plain store does.
    bool ready;
    if (linked_ == 0) {
        s.pending.store(0, std::memory_order_relaxed);
        ready = true;
    } else {
        ready = s.pending.fetch_sub(1, std::memory_order_acq_rel) == 1;
    }
    if (ready) {
        tm::make_ready(v_, s, pto_now_ns());
        // Serialised, no scheduler dispatches before the orchestration is
        // done (which rings them all): waking one per task only costs.
        if (b->serial == 0) tm::wake_idle_scheduler(v_, s.core_type, -1);
    }
    // A lone thread keeps its workers fed while it submits.
    if (step_ != nullptr && ++since_step_ >= kSubmitsPerStep) {
        since_step_ = 0;
        run_scheduler_step();
    }
}

TaskOutputTensors Orchestrator::submit(int32_t core_type, int32_t kernel_id,
                                       const CoreTaskArgs& args) {
    if (failed()) return TaskOutputTensors();
    current_func_ = kernel_id;
    const uint32_t mistakes = args.mistakes();
    if (mistakes != 0) {
        const char* what = (mistakes & 1) ? "a tensor was added after a scalar (tensors come first)"
                           : (mistakes & 2) ? "more than 32 tensor arguments"
                           : (mistakes & 4) ? "more than 16 scalar arguments"
                                            : "more than 16 explicit dependencies";
        fatal(PTO2_ERROR_INVALID_ARGS, "task #%" PRIu64 " (func_id %d): %s", next_seq_, kernel_id,
              what);
        return TaskOutputTensors();
    }
    // The ready queues are indexed by core type: anything but AIC (0) or
    // AIV (1) would index past them.
    if (core_type != 0 && core_type != 1) {
        fatal(PTO2_ERROR_INVALID_ARGS,
              "task #%" PRIu64 " (func_id %d): core type %d is neither AIC (0) nor AIV (1); "
              "submit with rt_submit_aic_task or rt_submit_aiv_task",
              next_seq_, kernel_id, core_type);
        return TaskOutputTensors();
    }
    const KernelEntry* entry = resolve_kernel(kernel_id);
    if (entry == nullptr) {
        fatal(PTO2_ERROR_INVALID_ARGS,
              "task #%" PRIu64
              " uses func_id %d, which has no registered kernel; register it "
              "(kernel_config.py KERNELS) before launching",
              next_seq_, kernel_id);
        return TaskOutputTensors();
    }
    if (entry->core_type != 0 && entry->core_type - 1 != core_type) {
        const char* as = core_type == 0 ? "AIC" : "AIV";
        const char* built = entry->core_type == 1 ? "AIC" : "AIV";
        fatal(PTO2_ERROR_INVALID_ARGS,
              "task #%" PRIu64
              " (func_id %d) was submitted for %s (rt_submit_%s_task), but its kernel is built for "
              "%s (kernel_config.py core_type): submit it with rt_submit_%s_task",
              next_seq_, kernel_id, as, core_type == 0 ? "aic" : "aiv", built,
              entry->core_type == 1 ? "aic" : "aiv");
        return TaskOutputTensors();
    }
    const uint64_t kernel = entry->entry;
    const int tensors = args.tensor_count();
    const int scalars = args.scalar_count();
    uint64_t outputs_bytes = 0;
    int output_count = 0;
    AccessRegion regions[PTO2_MAX_TENSOR_ARGS];  // of the tensors that exist, found once
    for (int i = 0; i < tensors; ++i) {
        if (args.kind(i) == PTO2ArgKind::OUTPUT) {
            const TensorCreateInfo& info = args.create_info(i);
            uint64_t bytes = 0;
            if (info.ndims == 0 || info.ndims > PTO2_MAX_TENSOR_DIMS ||
                get_element_size(info.dtype) == 0) {
                fatal(PTO2_ERROR_INVALID_ARGS,
                      "task #%" PRIu64
                      " (func_id %d): output %d has %u dimensions and dtype %d; "
                      "use 1..5 dimensions and a DataType",
                      next_seq_, kernel_id, i, info.ndims, static_cast<int>(info.dtype));
                return TaskOutputTensors();
            }
            if (!created_bytes(info, &bytes)) {
                fatal(PTO2_ERROR_INVALID_ARGS,
                      "task #%" PRIu64
                      " (func_id %d): output %d's shape holds more than 2^56 bytes (its "
                      "element count overflows); give a shape that fits the ring heap",
                      next_seq_, kernel_id, i);
                return TaskOutputTensors();
            }
            outputs_bytes += bytes;
            ++output_count;
        } else if (!check_tensor(args.tensor_at(i), i,
                                 args.kind(i) == PTO2ArgKind::INPUT ? "input" : "output/inout",
                                 &regions[i])) {
            return TaskOutputTensors();
        }
    }
    // Heap bytes: the kernel's argument words, the descriptors they point
    // at (together what the kernel reads through its arguments, so one range
    // from the words covers them: a device worker invalidates its cache over
    // it), copies of the outputs' descriptors (what TaskOutputTensors hands
    // back), the outputs.
    const uint64_t words_bytes =
        align_up(static_cast<uint64_t>(tensors + scalars) * sizeof(uint64_t), alignof(ChipTensor));
    const uint64_t desc_bytes = static_cast<uint64_t>(tensors) * sizeof(ChipTensor);
    const uint64_t copies_bytes = static_cast<uint64_t>(output_count) * sizeof(ChipTensor);
    const uint64_t head_bytes = align_up(words_bytes + desc_bytes + copies_bytes, kHeapAlign);

    const int ring = ring_now();
    Allocation a;
    if (!allocate(ring, head_bytes + outputs_bytes, &a)) return TaskOutputTensors();
    TaskSlot& s = *a.slot;
    auto* words = reinterpret_cast<uint64_t*>(a.memory);
    auto* descs = reinterpret_cast<ChipTensor*>(a.memory + words_bytes);
    auto* copies = reinterpret_cast<ChipTensor*>(a.memory + words_bytes + desc_bytes);
    uint8_t* out_at = a.memory + head_bytes;

    int o = 0;
    for (int i = 0; i < tensors; ++i) {
        if (args.kind(i) == PTO2ArgKind::OUTPUT) {
            const TensorCreateInfo& info = args.create_info(i);
            descs[i] = make_chip_tensor(reinterpret_cast<uint64_t>(out_at), info.shapes, info.ndims,
                                        info.dtype);
            descs[i].owner_task = a.id + 1;
            uint64_t bytes = descs[i].buffer.size;
            if (info.has_initial_value) {
                uint32_t es = get_element_size(info.dtype);
                for (uint64_t e = 0; e < info.numel(); ++e)
                    std::memcpy(out_at + e * es, &info.initial_value, es);
            }
            out_at += align_up(bytes, kHeapAlign);
            copies[o++] = descs[i];
        } else {
            descs[i] = args.tensor_at(i);
        }
        words[i] = reinterpret_cast<uint64_t>(&descs[i]);
    }
    for (int j = 0; j < scalars; ++j) words[tensors + j] = args.scalar_at(j);

    s.seq = next_seq_;
    s.kernel = kernel;
    s.args = reinterpret_cast<uint64_t>(words);
    s.args_lines = static_cast<uint16_t>((words_bytes + desc_bytes) / PLATFORM_CACHE_LINE);
    s.func_id = kernel_id;
    s.core_type = static_cast<int8_t>(core_type);
    if (TaskRecord* r = tm::record_of(v_, next_seq_)) {
        r->func_id = kernel_id;
        r->core_type = core_type;
        r->worker = -1;
        r->scheduler = -1;
        r->fanin.store(0, std::memory_order_relaxed);
        r->ready_ns = r->dispatch_ns = r->start_ns = r->end_ns = 0;
    }

    // Producers: creators, discovered accesses, explicit edges. What looks
    // alive is reloaded every few submissions, so the tensor map drops the
    // entries of retired tasks as it walks.
    if (++since_refresh_ >= kSubmitsPerRefresh) {
        since_refresh_ = 0;
        refresh_last_seen();
    }
    ++seen_stamp_;
    producer_count_ = 0;
    linked_ = 0;
    const bool manual = depth_ > 0 && scopes_[depth_ - 1].mode == PTO2ScopeMode::MANUAL;
    for (int i = 0; i < tensors && !failed(); ++i) {
        if (args.kind(i) == PTO2ArgKind::OUTPUT) continue;
        if (!discover(a.id, args.kind(i), descs[i], regions[i], manual)) break;
    }
    for (int d = 0; d < args.dependency_count() && !failed(); ++d) {
        uint64_t dep = args.dependency(d);
        if (dep == PTO2_INVALID_TASK_ID || ring_of(dep) >= kRingCount ||
            number_of(dep) >= next_[ring_of(dep)]) {
            fatal(PTO2_ERROR_INVALID_ARGS,
                  "task #%" PRIu64
                  " (func_id %d): explicit dependency %d is not the id of a task "
                  "submitted before it (0x%" PRIx64 ")",
                  next_seq_, kernel_id, d, dep);
            break;
        }
        if (maybe_alive(dep) && !note_producer(dep, false)) break;
    }
    if (!failed()) link(a);
    if (TaskRecord* r = tm::record_of(v_, next_seq_)) {
        r->fanin.store(static_cast<int32_t>(producer_count_), std::memory_order_relaxed);
    }
    current_ = PTO2_INVALID_TASK_ID;
    ++next_seq_;
    v_.block->seq_count.store(next_seq_, std::memory_order_release);
    // Even a task of a failing run is published: its slot is in the ring and
    // the scope ends it like any other (nothing more is dispatched).
    publish(a, true);
    if (failed()) return TaskOutputTensors();
    return TaskOutputTensors(a.id, copies, output_count);
}

TaskOutputTensors Orchestrator::alloc(const TensorCreateInfo* infos, int32_t count) {
    if (failed()) return TaskOutputTensors();
    current_func_ = -1;
    if (count < 1 || count > PTO2_MAX_TENSOR_ARGS || infos == nullptr) {
        fatal(PTO2_ERROR_INVALID_ARGS, "alloc_tensors: %d tensors; give 1..%d", count,
              PTO2_MAX_TENSOR_ARGS);
        return TaskOutputTensors();
    }
    uint64_t bytes = align_up(static_cast<uint64_t>(count) * sizeof(ChipTensor), kHeapAlign);
    for (int i = 0; i < count; ++i) {
        uint64_t one = 0;
        if (infos[i].ndims == 0 || infos[i].ndims > PTO2_MAX_TENSOR_DIMS ||
            get_element_size(infos[i].dtype) == 0) {
            fatal(PTO2_ERROR_INVALID_ARGS,
                  "alloc_tensors: tensor %d has %u dimensions and dtype %d; use 1..5 dimensions "
                  "and a DataType",
                  i, infos[i].ndims, static_cast<int>(infos[i].dtype));
            return TaskOutputTensors();
        }
        if (!created_bytes(infos[i], &one)) {
            fatal(PTO2_ERROR_INVALID_ARGS,
                  "alloc_tensors: tensor %d's shape holds more than 2^56 bytes (its element "
                  "count overflows); give a shape that fits the ring heap",
                  i);
            return TaskOutputTensors();
        }
        bytes += one;
    }
    Allocation a;
    if (!allocate(ring_now(), bytes, &a)) return TaskOutputTensors();
    auto* copies = reinterpret_cast<ChipTensor*>(a.memory);
    uint8_t* at =
        a.memory + align_up(static_cast<uint64_t>(count) * sizeof(ChipTensor), kHeapAlign);
    for (int i = 0; i < count; ++i) {
        copies[i] = make_chip_tensor(reinterpret_cast<uint64_t>(at), infos[i].shapes,
                                     infos[i].ndims, infos[i].dtype);
        // Done at once, so no task waits for it; but a task using the memory
        // holds it (as for a task's output) until that task completes, even
        // after the scope that made it has ended.
        copies[i].owner_task = a.id + 1;
        uint32_t es = get_element_size(infos[i].dtype);
        uint64_t n = infos[i].numel();
        if (infos[i].has_initial_value) {
            for (uint64_t e = 0; e < n; ++e) std::memcpy(at + e * es, &infos[i].initial_value, es);
        } else {
            std::memset(at, 0, n * es);
        }
        at += align_up(n * es, kHeapAlign);
    }
    current_ = PTO2_INVALID_TASK_ID;
    publish(a, false);
    return TaskOutputTensors(a.id, copies, count);
}

// ---- scopes ------------------------------------------------------------------

void Orchestrator::scope_begin(PTO2ScopeMode mode) {
    if (depth_ >= PTO2_MAX_SCOPE_DEPTH) {
        fatal(PTO2_ERROR_INVALID_ARGS, "scopes nest deeper than %d", PTO2_MAX_SCOPE_DEPTH);
        ++depth_;  // scope_end still balances
        return;
    }
    PTO2ScopeMode inherited = depth_ > 0 && scopes_[depth_ - 1].mode == PTO2ScopeMode::MANUAL
                                  ? PTO2ScopeMode::MANUAL
                                  : mode;
    scopes_[depth_] = Scope{next_serial_++, scope_top_, inherited};
    ++depth_;
}

void Orchestrator::scope_end() {
    if (depth_ == 0) return;
    return_prepaid_refs();
    --depth_;
    if (depth_ >= PTO2_MAX_SCOPE_DEPTH) return;
    // Every task of the scope loses its scope reference: those done and
    // unread are consumed now, the rest when their readers finish.
    uint32_t begin = scopes_[depth_].tasks_begin;
    for (uint32_t i = begin; i < scope_top_; ++i) tm::release_ref(v_, scope_tasks_[i]);
    scope_top_ = begin;
}

// ---- tensor data from the orchestration --------------------------------------------

bool Orchestrator::wait_until_done(uint64_t id, uint64_t deadline_ns, const char* why) {
    TmLaunchBlock* b = v_.block;
    return_prepaid_refs();
    Doorbell& bell = wait_bell();
    IdleBackoff backoff(WaiterRole::kScheduler);
    TaskSlot& s = v_.slot(id);
    WaitClock clock{wait_ns_, pto_now_ns()};
    WaitAnnouncement waiting(b->orchestrator_waiting, OrchestratorWait::kTensorData);
    for (;;) {
        uint32_t seq = bell.seq.load(std::memory_order_seq_cst);
        if (!alive(id) || s.id != id ||
            s.state.load(std::memory_order_acquire) == static_cast<int32_t>(SlotState::kDone)) {
            return true;
        }
        if (failed()) return false;
        if (serialised()) {
            fatal(PTO2_ERROR_TENSOR_WAIT_TIMEOUT,
                  "%s waits for task #%" PRIu64
                  " (func_id %d), which cannot run while the "
                  "orchestration is serialised (PTO2_ORCH_SERIAL)",
                  why, s.seq, s.func_id);
            return false;
        }
        if (pto_now_ns() > deadline_ns) {
            fatal(PTO2_ERROR_TENSOR_WAIT_TIMEOUT,
                  "%s waited 15 s for task #%" PRIu64 " (func_id %d) to finish writing", why, s.seq,
                  s.func_id);
            return false;
        }
        if (run_scheduler_step()) {
            backoff.reset();
            continue;
        }
        pto_idle_wait(&bell, seq, &backoff, kMaxParkNs);
    }
}

int32_t Orchestrator::wait_for_accesses(const ChipTensor& t, uint64_t element, bool include_reads) {
    if (failed()) return -1;
    const char* why = include_reads ? "set_tensor_data" : "get_tensor_data";
    uint32_t es = get_element_size(t.dtype);
    // Compared by element count, never by (element + 1) * es: an index of -1
    // makes the element 2^64 - 1, and that product wraps to 0.
    if (t.buffer.addr == 0 || es == 0 || element >= t.buffer.size / es) {
        fatal(PTO2_ERROR_INVALID_ARGS,
              "%s: element %" PRId64 " lies outside the tensor's %" PRIu64
              "-byte buffer (%" PRIu64 " elements; a negative or too large index?)",
              why, static_cast<int64_t>(element), t.buffer.size, es ? t.buffer.size / es : 0);
        return -1;
    }
    uint64_t deadline = pto_now_ns() + kTensorWaitNs;
    ChipTensor one = t;
    one.ndims = 1;
    one.shapes[0] = 1;
    one.strides[0] = 1;
    one.start_offset = element;
    AccessRegion r = AccessRegion::of(one);
    // Everything touching the element (its creator included) must finish;
    // collected first, waited on after (waiting does not change the map).
    if (t.owner_task != 0 && !alive(t.owner_task - 1)) {
        memory_gone(t.owner_task - 1, why);
        return -1;
    }
    ++seen_stamp_;
    producer_count_ = 0;
    uint64_t saved_current = current_;
    current_ = PTO2_INVALID_TASK_ID;
    if (t.owner_task != 0) note_producer(t.owner_task - 1, false);
    const uint64_t key = map_key(t, &r);
    map_.visit(key, r, include_reads, [&](uint64_t task) {
        if (alive(task)) note_producer(task, false);
    });
    current_ = saved_current;
    for (uint32_t i = 0; i < producer_count_; ++i) {
        if (!wait_until_done(producers_[i], deadline, why)) return -1;
    }
    return 0;
}

int32_t Orchestrator::read_element(const ChipTensor& t, uint64_t element, void* value) {
    if (wait_for_accesses(t, element, false) != 0) return -1;
    uint32_t es = get_element_size(t.dtype);
    std::memcpy(value, reinterpret_cast<const uint8_t*>(t.buffer.addr) + element * es, es);
    return 0;
}

int32_t Orchestrator::write_element(const ChipTensor& t, uint64_t element, const void* value) {
    if (wait_for_accesses(t, element, true) != 0) return -1;
    uint32_t es = get_element_size(t.dtype);
    std::memcpy(reinterpret_cast<uint8_t*>(t.buffer.addr) + element * es, value, es);
    return 0;
}
