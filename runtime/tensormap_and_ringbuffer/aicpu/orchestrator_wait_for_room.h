// Orchestrator::wait_for_room, which the rings (window, heap) and linking
// (dependency pool, tensor map) instantiate with their own batch and room.
#pragma once

#include "event_count.h"
#include "orchestrator.h"
#include "orchestrator_internal.h"

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
    using namespace orch_detail;
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
    EventCount& bell = wait_bell();
    const uint64_t entered = pto_now_ns();
    WaitClock clock{wait_ns_, entered};
    WaitAnnouncement waiting(b->orchestrator_waiting, OrchestratorWait::kRoom);
    const RoomWakeups wakeups = arm_room_wakeups(ring, what, batch_at);
    IdleBackoff backoff(WaiterRole::kOrchestrator);
    uint64_t mark = retired_mark();
    uint64_t since = entered;
    const uint64_t backstop = b->timeout_ns > 500'000'000ull ? b->timeout_ns : 500'000'000ull;
    for (;;) {
        const WaitKey key = bell.prepare_wait();
        if (failed()) break;
        const bool room = has_room();
        if (room && batch_retired()) return true;
        const TaskSlot* blocker = nullptr;
        const bool stuck = room_is_stuck(wakeups, &blocker);
        const bool serial = serialised();
        if (stuck || serial) {
            // No batch will come: take what there is. `room` is looked at
            // again because it was judged on an older last_alive than the
            // stuck check: retirements in between can leave the scope's own
            // tasks oldest (stuck) with room already made.
            if (room || has_room()) return true;
            report_no_room(ring, what, need, blocker, serial && !stuck, false);
            break;
        }
        uint64_t now = pto_now_ns();
        uint64_t m = retired_mark();
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
            pto_cancel_wait(&backoff);
            continue;
        }
        pto_commit_wait(&bell, key, &backoff, room ? kRoomSettleNs : kMaxParkNs);
    }
    return false;
}
