// Time on the host and on the AICPU (Linux on both).
#include "time_source.h"

#include <ctime>

uint64_t pto_now_ns() {
    timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000ull + static_cast<uint64_t>(ts.tv_nsec);
}
