// Time and waiting on AICore. There is nothing to park on: a worker polls its
// mailbox, refreshing the line with dcci each round (device_cache.cpp), since
// the AICPU writes it across the cache-coherence boundary.
#include "aicore_qualifiers.h"
#include "event_count.h"
#include "time_source.h"

namespace {
// The system counter runs at 50 MHz on a2a3: 20 ns a tick.
constexpr uint64_t kNsPerTick = 20;
}  // namespace

uint64_t pto_now_ns() {
    return get_sys_cnt() * kNsPerTick;
}

void pto_commit_wait(EventCount*, WaitKey, IdleBackoff* backoff, uint64_t) {
    ++backoff->rounds;
}

// The AICPU polls its workers' lines; a store from AICore into a doorbell
// line other cores also write could be lost to their write-backs, so AICore
// rings nothing.
void pto_notify(EventCount*) {}
