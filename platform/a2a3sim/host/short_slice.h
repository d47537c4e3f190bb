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

#include "sched_attr.h"

class ShortSliceWhileWaiting {
public:
    ShortSliceWhileWaiting();
    ~ShortSliceWhileWaiting();
    ShortSliceWhileWaiting(const ShortSliceWhileWaiting&) = delete;
    ShortSliceWhileWaiting& operator=(const ShortSliceWhileWaiting&) = delete;

private:
    SchedAttr before_{};  // the thread's setting before
    bool changed_ = false;
};
