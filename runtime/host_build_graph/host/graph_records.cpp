// The graph and its measured times, copied out for tools (traces, DOT
// export, run summaries) and progress during a launch.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <utility>
#include <vector>

#include "host_launch.h"
#include "pto_status.h"
#include "runtime_host_interface.h"
#include "runtime_session.h"

int runtime_host_graph_size(void* handle, int* tasks, int* edges) {
    std::shared_ptr<RuntimeSession> s = frozen_session_of(handle);
    if (s == nullptr) return PTO_ERR_NOT_INITIALIZED;
    GraphView g = s->graph->view();
    if (tasks) *tasks = static_cast<int>(g.header->task_count);
    if (edges) *edges = static_cast<int>(g.header->edge_count);
    return 0;
}

int runtime_host_orchestration_stats(void* handle, PtoOrchestrationStats* out) {
    std::shared_ptr<RuntimeSession> s = frozen_session_of(handle);
    if (s == nullptr) return PTO_ERR_NOT_INITIALIZED;
    out->tasks = s->graph->view().header->task_count;
    out->elapsed_ns = s->orchestration_ns;
    out->waiting_ns = 0;  // the graph is built before anything runs: nothing to wait for
    return 0;
}

int runtime_host_copied_back_bytes(void* handle, const void* host, size_t size, size_t* bytes) {
    std::shared_ptr<RuntimeSession> s = frozen_session_of(handle);
    if (s == nullptr) return PTO_ERR_NOT_INITIALIZED;
    if (bytes == nullptr || (host == nullptr && size > 0)) return PTO_ERR_INVALID_ARGUMENT;
    // Pairs are fixed once the graph is frozen. Overlapping pairs count once:
    // the covered ranges are merged.
    auto lo = reinterpret_cast<uintptr_t>(host);
    uintptr_t hi = size > UINTPTR_MAX - lo ? UINTPTR_MAX : lo + size;
    std::vector<std::pair<uintptr_t, uintptr_t>> covered;
    for (const TensorPair& p : s->pairs) {
        auto from = std::max(lo, reinterpret_cast<uintptr_t>(p.host_ptr));
        auto to = std::min(hi, reinterpret_cast<uintptr_t>(p.host_ptr) + p.size);
        if (from < to) covered.emplace_back(from, to);
    }
    std::sort(covered.begin(), covered.end());
    size_t total = 0;
    uintptr_t reached = lo;
    for (const auto& [from, to] : covered) {
        uintptr_t start = std::max(from, reached);
        if (to > start) {
            total += to - start;
            reached = to;
        }
    }
    *bytes = total;
    return 0;
}

int runtime_host_task_records(void* handle, TaskRecordView* out, int capacity) {
    std::shared_ptr<RuntimeSession> s = frozen_session_of(handle);
    if (s == nullptr) return PTO_ERR_NOT_INITIALIZED;
    if (capacity < 0 || (out == nullptr && capacity > 0)) return PTO_ERR_INVALID_ARGUMENT;
    GraphView g = s->graph->view();
    int n = std::min(static_cast<int>(g.header->task_count), capacity);
    auto launch = std::static_pointer_cast<HostLaunch>(s->launch());
    for (int i = 0; i < n; ++i) {
        if (launch) {
            out[i] = launch->record(static_cast<uint32_t>(i));
            continue;
        }
        const GraphTask& t = g.tasks[i];
        out[i] = TaskRecordView{i,
                                g.kernel_func_ids[t.kernel_slot],
                                static_cast<int32_t>(t.core_type),
                                -1,
                                static_cast<int32_t>(t.fanin),
                                static_cast<int32_t>(t.fanout),
                                -1,
                                t.fanin == 0 ? static_cast<int32_t>(TaskState::kReady)
                                             : static_cast<int32_t>(TaskState::kWaiting),
                                0,
                                0,
                                0,
                                0};
    }
    return n;
}

int runtime_host_edges(void* handle, int32_t* from, int32_t* to, int capacity) {
    std::shared_ptr<RuntimeSession> s = frozen_session_of(handle);
    if (s == nullptr) return PTO_ERR_NOT_INITIALIZED;
    if (capacity < 0 || ((from == nullptr || to == nullptr) && capacity > 0)) {
        return PTO_ERR_INVALID_ARGUMENT;
    }
    GraphView g = s->graph->view();
    int written = 0;
    for (uint32_t t = 0; t < g.header->task_count && written < capacity; ++t) {
        const GraphTask& task = g.tasks[t];
        for (uint32_t k = 0; k < task.fanout && written < capacity; ++k) {
            from[written] = static_cast<int32_t>(t);
            to[written] = static_cast<int32_t>(g.successors[task.successor_begin + k]);
            ++written;
        }
    }
    return written;
}

int runtime_host_progress(void* handle, int* done, int* total) {
    std::shared_ptr<RuntimeSession> s = frozen_session_of(handle);
    if (s == nullptr) return PTO_ERR_NOT_INITIALIZED;
    std::shared_ptr<RuntimeLaunch> launch = s->launch();
    if (done) *done = launch ? launch->completed_tasks() : 0;
    if (total) *total = static_cast<int>(s->graph->view().header->task_count);
    return 0;
}

// This runtime's graph is frozen whole before a launch: it has no rings.
int runtime_host_set_ring_sizes(void*, const PtoRingSizes*, char* message, size_t message_size) {
    std::snprintf(message, message_size,
                  "pto_set_ring_sizes: host_build_graph has no rings (its graph is frozen whole "
                  "before a launch); ring sizes are tensormap_and_ringbuffer's");
    return PTO_ERR_INVALID_ARGUMENT;
}

int runtime_host_ring_sizes(void*, PtoRingSizes*, char* message, size_t message_size) {
    std::snprintf(message, message_size,
                  "pto_get_ring_sizes: host_build_graph has no rings (its graph is frozen whole "
                  "before a launch)");
    return PTO_ERR_INVALID_ARGUMENT;
}

// Every task of this runtime is one kernel on one core: no block records.
int runtime_host_block_records(void* handle, BlockRecordView*, int capacity) {
    if (frozen_session_of(handle) == nullptr) return PTO_ERR_NOT_INITIALIZED;
    return capacity < 0 ? PTO_ERR_INVALID_ARGUMENT : 0;
}
