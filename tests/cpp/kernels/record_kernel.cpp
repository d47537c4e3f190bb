// Test kernel: checks that every predecessor of its task has finished, notes
// where it ran, then marks its task done. args: GraphSpec*, task index.
#include <pthread.h>
#include <sched.h>

#include <cstdint>
#include <cstring>

#include "../graph_spec.h"

extern "C" void kernel_entry(int64_t* args) {
    auto* spec = reinterpret_cast<GraphSpec*>(args[0]);
    int self = static_cast<int>(args[1]);
    for (int p = spec->pred_begin[self]; p < spec->pred_begin[self + 1]; ++p) {
        if (spec->done[spec->preds[p]].load(std::memory_order_acquire) != 1) {
            spec->violations.fetch_add(1, std::memory_order_relaxed);
        }
    }
    cpu_set_t allowed;
    CPU_ZERO(&allowed);
    sched_getaffinity(0, sizeof allowed, &allowed);
    spec->cpus_allowed[self].store(CPU_COUNT(&allowed), std::memory_order_relaxed);
    spec->cpu[self].store(sched_getcpu(), std::memory_order_relaxed);
    char thread[16] = "";
    pthread_getname_np(pthread_self(), thread, sizeof thread);
    spec->on_scheduler[self].store(std::strcmp(thread, "pto-aicpu") == 0,
                                   std::memory_order_relaxed);
    spec->run_count[self].fetch_add(1, std::memory_order_relaxed);
    spec->done[self].store(1, std::memory_order_release);
}
