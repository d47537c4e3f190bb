// Test orchestration: turns the GraphSpec at args[0] into tasks and edges.
#include <chrono>
#include <cstdint>
#include <thread>

#include "../graph_spec.h"
#include "runtime.h"

extern "C" int build_spec_graph(Runtime* rt, uint64_t* args, int arg_count) {
    if (arg_count < 1) return -1;
    auto* spec = reinterpret_cast<GraphSpec*>(args[0]);
    if (spec->device_bytes > 0) {
        spec->device_out = rt->host_api.device_malloc(spec->device_bytes);
        if (spec->device_out == nullptr) return -3;
        if (spec->fill_from != nullptr &&
            rt->host_api.copy_to_device(spec->device_out, spec->fill_from, spec->device_bytes) != 0)
            return -4;
    }
    for (int i = 0; i < spec->num_tasks; ++i) {
        uint64_t task_args[3] = {args[0], static_cast<uint64_t>(i),
                                 static_cast<uint64_t>(spec->extra[i])};
        CoreType type = spec->core_type[i] == 0 ? CoreType::AIC : CoreType::AIV;
        if (rt->add_task(task_args, 3, spec->func_id[i], type) != i) return -2;
    }
    if (spec->extra_func_id >= 0) {
        uint64_t task_args[2] = {args[0], 0};
        rt->add_task(task_args, 2, spec->extra_func_id, CoreType::AIV);
    }
    for (int e = 0; e < spec->num_edges; ++e)
        rt->add_successor(spec->edge_from[e], spec->edge_to[e]);
    return spec->orchestration_result;
}

// As build_spec_graph, and leaves a thread running that adds one more task
// once task 0's kernel has started (the sleep kernel notes it), so the call
// lands while the launch runs. Waits at most 10 s for the start.
extern "C" int build_spec_graph_late_add(Runtime* rt, uint64_t* args, int arg_count) {
    int rc = build_spec_graph(rt, args, arg_count);
    if (rc != 0) return rc;
    auto* spec = reinterpret_cast<GraphSpec*>(args[0]);
    std::thread([rt, spec] {
        auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
        while (spec->started[0].load() == 0 && std::chrono::steady_clock::now() < until)
            std::this_thread::yield();
        spec->late_add_result = rt->add_task(nullptr, 0, kSleepKernel, CoreType::AIV);
        spec->late_add_done = 1;
    }).detach();
    return 0;
}
