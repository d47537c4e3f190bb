#include "short_slice.h"

#include <sched.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace {

// As the simulator's own threads ask (sim_thread_pool.cpp).
constexpr uint64_t kWaitSliceNs = 100'000;

}  // namespace

ShortSliceWhileWaiting::ShortSliceWhileWaiting() {
    Attr now{};
    if (syscall(SYS_sched_getattr, 0, &now, sizeof now, 0) != 0) return;
    if (now.sched_policy != SCHED_OTHER && now.sched_policy != SCHED_BATCH) return;
    if (now.sched_runtime != 0 && now.sched_runtime <= kWaitSliceNs) return;  // short already
    before_ = now;
    Attr want = now;
    want.size = sizeof want;
    want.sched_runtime = kWaitSliceNs;
    changed_ = syscall(SYS_sched_setattr, 0, &want, 0) == 0;
}

ShortSliceWhileWaiting::~ShortSliceWhileWaiting() {
    if (!changed_) return;
    before_.size = sizeof before_;
    syscall(SYS_sched_setattr, 0, &before_, 0);
}
