// Monotonic time in nanoseconds, provided per platform (host clock on the
// simulator, the system counter on the device). Used for bounded waits and
// for the task start/end stamps.
#pragma once

#include <cstdint>

uint64_t pto_now_ns();
