// The orchestration reading and writing tensor elements (get_tensor_data,
// set_tensor_data) once the tasks touching them have finished.
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


bool Orchestrator::wait_until_done(uint64_t id, uint64_t deadline_ns, const char* why) {
    TmLaunchBlock* b = v_.block;
    return_prepaid_refs();
    EventCount& bell = wait_bell();
    IdleBackoff backoff(WaiterRole::kScheduler);
    TaskSlot& s = v_.slot(id);
    WaitClock clock{wait_ns_, pto_now_ns()};
    WaitAnnouncement waiting(b->orchestrator_waiting, OrchestratorWait::kTensorData);
    for (;;) {
        const WaitKey key = bell.prepare_wait();
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
            pto_cancel_wait(&backoff);
            continue;
        }
        pto_commit_wait(&bell, key, &backoff, kMaxParkNs);
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
    current_ = PTO2_INVALID_TASK_ID.raw;
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
