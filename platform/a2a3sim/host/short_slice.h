// A short scheduler time slice for the calling thread while it waits for
// the simulated device (EEVDF, Linux 6.6 and later).
//
// The host thread that launches waits for the device's answer. Beside busy
// processes, a woken thread with the default slice runs only when the
// running one's slice or the next tick ends: a warm 1-task launch took about
// 4 ms instead of 0.1-0.2 ms with 4 busy processes on 2 cores. With a short
// slice it gets an early deadline and runs at once. The caller's own
// setting comes back when the wait ends; a real-time or idle thread, or a
// kernel that refuses the call, is left as it is.
#pragma once

#include <cstdint>

class ShortSliceWhileWaiting {
public:
    ShortSliceWhileWaiting();
    ~ShortSliceWhileWaiting();
    ShortSliceWhileWaiting(const ShortSliceWhileWaiting&) = delete;
    ShortSliceWhileWaiting& operator=(const ShortSliceWhileWaiting&) = delete;

private:
    // The kernel's struct sched_attr (sched_setattr(2)), which libc does
    // not wrap: the thread's setting before.
    struct Attr {
        uint32_t size;
        uint32_t sched_policy;
        uint64_t sched_flags;
        int32_t sched_nice;
        uint32_t sched_priority;
        uint64_t sched_runtime;
        uint64_t sched_deadline;
        uint64_t sched_period;
    };
    Attr before_{};
    bool changed_ = false;
};
