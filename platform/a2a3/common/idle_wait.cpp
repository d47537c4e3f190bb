// Waiting on the host and the AICPU of the device. AICore workers cannot
// wake a sleeping AICPU thread, so the scheduler polls its workers'
// mailboxes; it pauses the core briefly between rounds.
#include "idle_wait.h"

namespace {

inline void cpu_relax() {
#if defined(__aarch64__)
    asm volatile("yield");
#elif defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

}  // namespace

void pto_idle_wait(Doorbell* bell, uint32_t observed, IdleBackoff* backoff, uint64_t) {
    ++backoff->rounds;
    for (int i = 0; i < 64; ++i) {
        if (bell->seq.load(std::memory_order_acquire) != observed) return;
        cpu_relax();
    }
}

void pto_doorbell_ring(Doorbell* bell) {
    bell->seq.fetch_add(1, std::memory_order_release);
}
