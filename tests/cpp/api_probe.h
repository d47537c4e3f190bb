// What the API probe orchestrations (orchestration/api_probe_orch.cpp) and
// the orchestration API tests share: the test fills the inputs, the
// orchestration plays its scenario through the Runtime and notes what the
// calls returned.
#pragma once

#include <atomic>
#include <cstdint>

struct ApiProbe {
    // Inputs.
    int count = 0;       // how many tasks (or edges, pairs) the scenario adds
    int value = 0;       // a scenario-specific number
    int limits[3] = {};  // for set_graph_limits
    uint64_t host_buffer[64] = {};

    // What the calls returned.
    int ids[16] = {};
    int task_count = 0;
    int limits_result = 0;
    uint64_t arg_seen[4] = {};
    bool null_for_bad_ids = false;
    void* device_buffer = nullptr;
    uint64_t device_buffer_bytes = 0;

    // Called by probe_callback between its two tasks: the test calls back
    // into the C API while init_runtime is still running.
    void (*callback)(void* context) = nullptr;
    void* callback_context = nullptr;

    // A thread the orchestration leaves running: it calls add_task once `go`
    // is set, and stores the result.
    std::atomic<bool> go{false};
    std::atomic<bool> late_done{false};
    std::atomic<int> late_result{0};
};
