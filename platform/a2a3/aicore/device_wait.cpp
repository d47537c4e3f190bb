// Time and waiting on AICore. There is nothing to park on: a core polls its
// mailbox, refreshing its view of global memory with dcci each round, since
// the AICPU writes it across the cache-coherence boundary.
#include "aicore_qualifiers.h"
#include "idle_wait.h"
#include "time_source.h"

namespace {
// The system counter runs at 50 MHz on a2a3: 20 ns a tick.
constexpr uint64_t kNsPerTick = 20;
}  // namespace

uint64_t pto_now_ns() {
    return get_sys_cnt() * kNsPerTick;
}

void pto_idle_wait(Doorbell* bell, uint32_t, IdleBackoff* backoff, uint64_t) {
    ++backoff->rounds;
    dcci(reinterpret_cast<__gm__ void*>(bell), ENTIRE_DATA_CACHE);
}

void pto_doorbell_ring(Doorbell* bell) {
    bell->seq.fetch_add(1, std::memory_order_release);
}
