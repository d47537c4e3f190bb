#include "short_slice.h"

#include <sched.h>

ShortSliceWhileWaiting::ShortSliceWhileWaiting() {
    SchedAttr now{};
    if (!sched_attr_get(&now)) return;
    if (now.sched_policy != SCHED_OTHER && now.sched_policy != SCHED_BATCH) return;
    if (now.sched_runtime != 0 && now.sched_runtime <= kSimThreadSliceNs) return;  // short already
    before_ = now;
    SchedAttr want = now;
    want.sched_runtime = kSimThreadSliceNs;
    changed_ = sched_attr_set(want);
}

ShortSliceWhileWaiting::~ShortSliceWhileWaiting() {
    if (changed_) sched_attr_set(before_);
}
