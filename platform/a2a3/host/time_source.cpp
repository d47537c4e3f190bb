// Time on the host: the monotonic clock. (The host never compares it with
// task stamps, which come from the device's system counter.)
#include "time_source.h"

#include <ctime>

uint64_t pto_now_ns() {
    timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000ull + static_cast<uint64_t>(ts.tv_nsec);
}
