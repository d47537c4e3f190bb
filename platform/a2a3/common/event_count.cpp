// Waiting on the host and the AICPU of the device. AICore workers cannot
// wake a sleeping AICPU thread, so the scheduler polls its workers'
// mailboxes; it pauses the core briefly between rounds.
#include "event_count.h"

namespace {

inline void cpu_relax() {
#if defined(__aarch64__)
    asm volatile("yield");
#elif defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

}  // namespace

void pto_commit_wait(EventCount* bell, WaitKey key, IdleBackoff* backoff, uint64_t) {
    ++backoff->rounds;
    for (int i = 0; i < 64; ++i) {
        // Pairs with pto_notify's fetch_add.
        if (bell->seq.load(std::memory_order_acquire) != key.seq) return;
        cpu_relax();
    }
}

void pto_notify(EventCount* bell) {
    // seq_cst: pairs with prepare_wait's load (see event_count.h).
    bell->seq.fetch_add(1, std::memory_order_seq_cst);
}
