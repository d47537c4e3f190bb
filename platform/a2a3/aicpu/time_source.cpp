// Time on the AICPU: the system counter, the clock AICore stamps tasks with
// (get_sys_cnt), read through the ARM generic timer. Every task's four
// stamps then come from one clock: ready and dispatch (AICPU), start and
// end (AICore). The host compiles this file only for syntax checks, where
// the monotonic clock stands in.
#include "time_source.h"

#include <cstdint>
#include <ctime>

uint64_t pto_now_ns() {
#if defined(__aarch64__)
    uint64_t ticks = 0;
    uint64_t frequency = 0;
    asm volatile("mrs %0, cntvct_el0" : "=r"(ticks));
    asm volatile("mrs %0, cntfrq_el0" : "=r"(frequency));
    // ticks * 1e9 / frequency without overflowing for years of uptime.
    return ticks / frequency * 1'000'000'000ull + ticks % frequency * 1'000'000'000ull / frequency;
#else
    timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000ull + static_cast<uint64_t>(ts.tv_nsec);
#endif
}
