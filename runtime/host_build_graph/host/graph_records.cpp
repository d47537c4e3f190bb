// The graph and its measured times, copied out of the Runtime for tools
// (traces, DOT export, run summaries).
#include <atomic>

#include "pto_status.h"
#include "runtime.h"
#include "runtime_host_interface.h"

namespace {

Runtime* constructed(void* memory) {
    auto* rt = static_cast<Runtime*>(memory);
    return rt != nullptr && rt->is_constructed() ? rt : nullptr;
}

}  // namespace

int runtime_host_graph_size(void* memory, int* tasks, int* edges) {
    Runtime* rt = constructed(memory);
    if (rt == nullptr) return PTO_ERR_NOT_INITIALIZED;
    if (tasks) *tasks = rt->get_task_count();
    if (edges) *edges = static_cast<int>(rt->edge_count());
    return 0;
}

int runtime_host_task_records(void* memory, TaskRecordView* out, int capacity) {
    Runtime* rt = constructed(memory);
    if (rt == nullptr) return PTO_ERR_NOT_INITIALIZED;
    if (out == nullptr || capacity < 0) return PTO_ERR_INVALID_ARGUMENT;
    int n = rt->get_task_count() < capacity ? rt->get_task_count() : capacity;
    for (int i = 0; i < n; ++i) {
        Task& t = rt->task(i);
        out[i] = TaskRecordView{t.task_id,
                                t.func_id,
                                static_cast<int32_t>(t.core_type),
                                t.worker_id,
                                t.fanin,
                                t.fanout_count,
                                t.scheduler_thread,
                                t.state.load(std::memory_order_relaxed),
                                t.ready_time,
                                t.dispatch_time,
                                t.start_time.load(std::memory_order_relaxed),
                                t.end_time.load(std::memory_order_relaxed)};
    }
    return n;
}

int runtime_host_edges(void* memory, int32_t* from, int32_t* to, int capacity) {
    Runtime* rt = constructed(memory);
    if (rt == nullptr) return PTO_ERR_NOT_INITIALIZED;
    if (from == nullptr || to == nullptr || capacity < 0) return PTO_ERR_INVALID_ARGUMENT;
    int n = static_cast<int>(rt->edge_count()) < capacity ? static_cast<int>(rt->edge_count())
                                                          : capacity;
    for (int i = 0; i < n; ++i) {
        from[i] = rt->edge_from(static_cast<uint32_t>(i));
        to[i] = rt->edge_to(static_cast<uint32_t>(i));
    }
    return n;
}

int runtime_host_progress(void* memory, int* done, int* total) {
    Runtime* rt = constructed(memory);
    if (rt == nullptr) return PTO_ERR_NOT_INITIALIZED;
    if (done) *done = rt->completed_tasks.load(std::memory_order_acquire);
    if (total) *total = rt->get_task_count();
    return 0;
}
