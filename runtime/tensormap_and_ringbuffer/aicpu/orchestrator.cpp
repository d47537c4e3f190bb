// The orchestrator's state and its words: construction, what is alive, and
// every error it stops the run with (named, with the sizes in force).
#include "orchestrator.h"

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "device_log.h"
#include "event_count.h"
#include "orchestrator_internal.h"
#include "pto_status.h"
#include "task_lifecycle.h"
#include "time_source.h"

using namespace orch_detail;

Orchestrator::Orchestrator(const TmView& v) : v_(v) {
    TmLaunchBlock* b = v.block;
    map_.init(v.at<uint32_t>(b->map_buckets_offset), b->map_buckets,
              v.at<MapEntry>(b->map_entries_offset), v.at<AccessBox>(b->map_boxes_offset),
              b->map_entries);
    scope_tasks_ = v.at<uint64_t>(b->scope_tasks_offset);
    producers_ = v.at<uint64_t>(b->producers_offset);
    seen_ = v.at<SeenSlot>(b->seen_offset);
    for (int r = 0; r < kRingCount; ++r) heaps_[r] = HeapRing(b->rings[r].heap);
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
    lifecycle::ring_schedulers(v_);
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

// A tensor whose memory belonged to task `owner`, which has retired (or is
// retiring): the memory may already hold another task's data.
bool Orchestrator::memory_gone(uint64_t owner, const char* what) {
    char who[64] = "";
    if (current_ != PTO2_INVALID_TASK_ID.raw) {
        std::snprintf(who, sizeof who, "task #%" PRIu64 " (%s): ", next_seq_, func_text());
    }
    fatal(PTO2_ERROR_INVALID_ARGS,
          "%s%s uses memory the runtime allocated for task %" PRIu64
          " of ring %d (an OUTPUT or alloc_tensors), whose scope has ended: the heap hands it "
          "out again once no running task holds it; use such a tensor only while the scope "
          "that made it is open (make it in an outer scope to keep it)",
          who, what, number_of(owner), ring_of(owner));
    return true;
}

bool Orchestrator::outputs_held(uint64_t id) {
    if (failed()) return false;
    if (id == PTO2_INVALID_TASK_ID.raw || ring_of(id) >= kRingCount) return false;
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
