#include "scheduler_diagnostics.h"

#include "device_log.h"
#include "runtime.h"
#include "time_source.h"

namespace {
constexpr int kMaxListed = 16;
}

void report_stalled_run(Runtime* rt, double seconds_without_progress) {
    int total = rt->get_task_count();
    int done = rt->completed_tasks.load(std::memory_order_acquire);
    uint64_t now = pto_now_ns();
    DEV_ERROR("no task completed for %.1f s: %d of %d tasks done; stopping the run",
              seconds_without_progress, done, total);
    DEV_ERROR("ready queues: AIC %u, AIV %u tasks waiting for a worker",
              rt->ready_queue(CoreType::AIC).size(), rt->ready_queue(CoreType::AIV).size());

    int busy = 0;
    for (int w = 0; w < rt->worker_count(); ++w) {
        Handshake& h = rt->worker(w);
        uint64_t addr = h.task.load(std::memory_order_acquire);
        if (addr == 0) continue;
        ++busy;
        const Task* t = reinterpret_cast<const Task*>(addr);
        bool running = h.task_status.load(std::memory_order_acquire) == 1;
        double ran = t->start_time ? (now - t->start_time) / 1e9 : 0.0;
        DEV_ERROR("  worker %d (%s): task %d func_id %d %s for %.1f s", w,
                  w < rt->block_dim() ? "AIC" : "AIV", t->task_id, t->func_id,
                  running ? "running" : "finished, not yet collected", ran);
    }

    int waiting = 0;
    for (int i = 0; i < total; ++i) {
        Task& t = rt->task(i);
        int remaining = t.remaining_fanin.load(std::memory_order_acquire);
        if (remaining <= 0) continue;
        if (++waiting > kMaxListed) continue;
        DEV_ERROR("  task %d (func_id %d) waits on %d of %d predecessors", i, t.func_id,
                  remaining, t.fanin);
    }
    if (waiting > kMaxListed) DEV_ERROR("  ... and %d more waiting tasks", waiting - kMaxListed);

    if (busy > 0) {
        DEV_ERROR("diagnosis: hung kernel (a worker has been inside a kernel without returning)");
    } else if (waiting > 0) {
        DEV_ERROR("diagnosis: deadlock (no worker is busy, yet tasks still wait on predecessors)");
    } else {
        DEV_ERROR("diagnosis: scheduler stall (workers idle, nothing waiting)");
    }
}
