// The calling thread's scheduling attributes through sched_getattr(2) and
// sched_setattr(2) (libc wraps neither), for the short time slice the
// simulator's threads ask for.
//
// Simulator threads hand work to each other in microseconds; beside busy
// processes, each hand-off waits until the woken thread is picked. A short
// time slice (EEVDF, Linux 6.6+: sched_runtime of a normal thread) gives a
// woken thread an early deadline, so it runs at once instead of after a
// busy process's slice or the next tick. Idle runs are unchanged (the
// threads mostly wait or run briefly). An older kernel refuses or ignores
// it; nothing else depends on it.
#pragma once

#include <sys/syscall.h>
#include <unistd.h>

#include <cstdint>

constexpr uint64_t kSimThreadSliceNs = 100'000;

// The kernel's struct sched_attr.
struct SchedAttr {
    uint32_t size;
    uint32_t sched_policy;
    uint64_t sched_flags;
    int32_t sched_nice;
    uint32_t sched_priority;
    uint64_t sched_runtime;
    uint64_t sched_deadline;
    uint64_t sched_period;
};

inline bool sched_attr_get(SchedAttr* out) {
    return syscall(SYS_sched_getattr, 0, out, sizeof *out, 0) == 0;
}

inline bool sched_attr_set(SchedAttr attr) {
    attr.size = sizeof attr;
    return syscall(SYS_sched_setattr, 0, &attr, 0) == 0;
}
