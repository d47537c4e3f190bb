// host_build_graph's side of the platform/runtime host interface: constructs
// the Runtime, loads and calls the orchestration, freezes the graph for
// launch, and copies results back at finalize.
//
// Device memory the orchestration allocates through host_api is tracked per
// Runtime, so whatever it did not free (inputs, scratch) is freed at
// finalize: repeated init/launch/finalize cycles leak nothing.
#include <algorithm>
#include <atomic>
#include <cstdio>
#include <mutex>
#include <new>
#include <unordered_map>
#include <vector>

#include "graph_validation.h"
#include "platform_limits.h"
#include "pto_status.h"
#include "runtime.h"
#include "runtime_host_interface.h"
#include "shared_object_from_bytes.h"
#include "time_source.h"

namespace {

struct HostSide {
    DeviceMemoryOps ops{};
    std::vector<void*> allocations;
    LoadedSharedObject orchestration;
    bool abandoned = false;  // a worker may still be running a kernel
    bool launch_succeeded = false;
};

std::mutex g_mutex;
std::unordered_map<const Runtime*, HostSide*> g_host_sides;

// The Runtime whose orchestration is running on this thread: host_api is a
// table of plain function pointers, so this is how an allocation finds the
// Runtime it belongs to.
thread_local HostSide* t_building = nullptr;

void* tracked_malloc(size_t size) {
    HostSide* side = t_building;
    if (side == nullptr) return nullptr;
    void* p = side->ops.device_malloc(size);
    if (p != nullptr) side->allocations.push_back(p);
    return p;
}

void tracked_free(void* p) {
    HostSide* side = t_building;
    if (side == nullptr || p == nullptr) return;
    auto it = std::find(side->allocations.begin(), side->allocations.end(), p);
    if (it == side->allocations.end()) return;  // not ours: never free twice
    side->allocations.erase(it);
    side->ops.device_free(p);
}

int tracked_copy_to_device(void* dev, const void* host, size_t n) {
    return t_building ? t_building->ops.copy_to_device(dev, host, n) : PTO_ERR_NOT_INITIALIZED;
}

int tracked_copy_from_device(void* host, const void* dev, size_t n) {
    return t_building ? t_building->ops.copy_from_device(host, dev, n) : PTO_ERR_NOT_INITIALIZED;
}

HostSide* host_side_of(const Runtime* rt) {
    std::lock_guard<std::mutex> lock(g_mutex);
    auto it = g_host_sides.find(rt);
    return it == g_host_sides.end() ? nullptr : it->second;
}

using OrchestrationFn = int (*)(Runtime* rt, uint64_t* args, int arg_count);

// Frees what the orchestration allocated and destroys the Runtime, leaving
// the handle uninitialised.
void discard(Runtime* rt, HostSide* side) {
    if (side->abandoned) {
        side->orchestration.leak();  // kept, like the memory: nothing to race with
    } else {
        for (void* p : side->allocations) side->ops.device_free(p);
    }
    {
        std::lock_guard<std::mutex> lock(g_mutex);
        g_host_sides.erase(rt);
    }
    delete side;
    rt->~Runtime();
}

int load_and_run_orchestration(Runtime* rt, HostSide* side, const uint8_t* orch_so,
                               size_t orch_so_size, const char* orch_func_name, uint64_t* func_args,
                               int func_args_count, char* message, size_t message_size) {
    int rc =
        side->orchestration.load(orch_so, orch_so_size, "orchestration", message, message_size);
    if (rc != 0) return rc;
    void* fn = nullptr;
    rc = side->orchestration.resolve(orch_func_name, "orchestration", &fn, message, message_size);
    if (rc != 0) return rc;

    t_building = side;
    int orch_rc = reinterpret_cast<OrchestrationFn>(fn)(rt, func_args, func_args_count);
    t_building = nullptr;

    if (rt->build_error() != 0) {
        std::snprintf(message, message_size, "orchestration %s: %s", orch_func_name,
                      rt->build_error_message());
        return rt->build_error();
    }
    if (orch_rc != 0) {
        std::snprintf(message, message_size, "orchestration function %s returned %d",
                      orch_func_name, orch_rc);
        return PTO_ERR_ORCHESTRATION;
    }
    return 0;
}

}  // namespace

size_t runtime_host_size() {
    return sizeof(Runtime);
}

namespace {
std::atomic<int> g_max_tasks{RUNTIME_MAX_TASKS};
std::atomic<int> g_max_successors{RUNTIME_MAX_SUCCESSORS};
}  // namespace

int runtime_host_set_graph_limits(int max_tasks, int max_successors, char* message,
                                  size_t message_size) {
    if (max_tasks < 1 || max_tasks > RUNTIME_TASK_LIMIT_CEILING) {
        std::snprintf(message, message_size,
                      "pto_set_graph_limits: %d tasks is out of range; use 1..%d", max_tasks,
                      RUNTIME_TASK_LIMIT_CEILING);
        return PTO_ERR_INVALID_ARGUMENT;
    }
    if (max_successors < 1 || max_successors > RUNTIME_TASK_LIMIT_CEILING) {
        std::snprintf(message, message_size,
                      "pto_set_graph_limits: %d successors per task is out of range; use 1..%d",
                      max_successors, RUNTIME_TASK_LIMIT_CEILING);
        return PTO_ERR_INVALID_ARGUMENT;
    }
    g_max_tasks.store(max_tasks);
    g_max_successors.store(max_successors);
    return 0;
}

bool runtime_host_is_initialized(void* rt) {
    return rt != nullptr && static_cast<Runtime*>(rt)->is_constructed() &&
           host_side_of(static_cast<Runtime*>(rt)) != nullptr;
}

int runtime_host_init(void* memory, const uint8_t* orch_so, size_t orch_so_size,
                      const char* orch_func_name, uint64_t* func_args, int func_args_count,
                      const DeviceMemoryOps& ops, char* message, size_t message_size) {
    if (memory == nullptr) {
        std::snprintf(message, message_size, "init_runtime: runtime handle is null");
        return PTO_ERR_INVALID_ARGUMENT;
    }
    if (orch_func_name == nullptr || *orch_func_name == '\0') {
        std::snprintf(message, message_size, "init_runtime: orchestration function name is empty");
        return PTO_ERR_INVALID_ARGUMENT;
    }
    if (func_args_count < 0 || (func_args_count > 0 && func_args == nullptr)) {
        std::snprintf(message, message_size, "init_runtime: %d arguments but no argument array",
                      func_args_count);
        return PTO_ERR_INVALID_ARGUMENT;
    }
    if (runtime_host_is_initialized(memory)) {
        std::snprintf(message, message_size,
                      "init_runtime: this handle is already initialised; call finalize_runtime "
                      "first");
        return PTO_ERR_INVALID_ARGUMENT;
    }

    GraphLimits limits;
    limits.max_tasks = g_max_tasks.load();
    limits.max_successors = g_max_successors.load();
    auto* rt = new (memory) Runtime(limits);
    auto* side = new HostSide();
    side->ops = ops;
    {
        std::lock_guard<std::mutex> lock(g_mutex);
        g_host_sides[rt] = side;
    }
    rt->host_api =
        HostApi{tracked_malloc, tracked_free, tracked_copy_to_device, tracked_copy_from_device};
    int rc = load_and_run_orchestration(rt, side, orch_so, orch_so_size, orch_func_name, func_args,
                                        func_args_count, message, message_size);
    if (rc != 0) discard(rt, side);
    return rc;
}

int runtime_host_prepare_launch(void* memory, const RuntimeLaunchSettings& settings,
                                KernelAddressLookup lookup, char* message, size_t message_size) {
    auto* rt = static_cast<Runtime*>(memory);
    if (!runtime_host_is_initialized(rt)) {
        std::snprintf(message, message_size, "launch_runtime: call init_runtime first");
        return PTO_ERR_NOT_INITIALIZED;
    }
    if (HostSide* side = host_side_of(rt)) side->launch_succeeded = false;
    LaunchConfig config{settings.aicpu_thread_num, settings.block_dim, settings.timeout_ns};
    int rc = rt->prepare_launch(config, lookup, message, message_size);
    if (rc == 0) {
        rc = validate_graph(*rt, settings.block_dim, settings.block_dim * PLATFORM_AIV_PER_BLOCK,
                            message, message_size);
    }
    if (rc != 0) return rc;
    // Tasks without predecessors are ready from the moment the run starts.
    uint64_t start = pto_now_ns();
    rt->launch_start_ns.store(start, std::memory_order_relaxed);
    for (int i = 0; i < rt->get_task_count(); ++i) {
        if (rt->task(i).fanin == 0) rt->task(i).ready_time = start;
    }
    return 0;
}

void runtime_host_stop_workers(void* memory) {
    auto* rt = static_cast<Runtime*>(memory);
    for (int w = 0; w < rt->worker_count(); ++w) {
        Handshake& h = rt->worker(w);
        h.control.store(1, std::memory_order_release);
        pto_doorbell_ring(&h.bell);
    }
}

void runtime_host_abort_launch(void* memory, int status) {
    auto* rt = static_cast<Runtime*>(memory);
    int expected = 0;
    rt->abort_status.compare_exchange_strong(expected, status, std::memory_order_acq_rel);
    for (int i = 0; i < rt->aicpu_thread_num(); ++i) pto_doorbell_ring(&rt->scheduler_bell(i));
    runtime_host_stop_workers(memory);
}

void runtime_host_launch_finished(void* memory, int status) {
    if (HostSide* side = host_side_of(static_cast<Runtime*>(memory)))
        side->launch_succeeded = status == 0;
}

void runtime_host_mark_abandoned(void* memory) {
    if (HostSide* side = host_side_of(static_cast<Runtime*>(memory))) side->abandoned = true;
}

int runtime_host_finalize(void* memory, const DeviceMemoryOps& ops, char* message,
                          size_t message_size) {
    auto* rt = static_cast<Runtime*>(memory);
    HostSide* side = rt ? host_side_of(rt) : nullptr;
    if (side == nullptr || !rt->is_constructed()) {
        std::snprintf(message, message_size, "finalize_runtime: handle was not initialised");
        return PTO_ERR_NOT_INITIALIZED;
    }
    int status = 0;
    if (side->abandoned) {
        std::snprintf(message, message_size,
                      "finalize_runtime: a worker of the last launch never stopped; outputs were "
                      "not copied back and device memory is kept for the rest of the process");
        status = PTO_ERR_DEVICE;
    }
    // Outputs of a launch that failed (fault, timeout) or never ran are not
    // trustworthy: leave the host buffers untouched.
    for (int i = 0; status == 0 && side->launch_succeeded && i < rt->tensor_pair_count(); ++i) {
        const TensorPair& p = rt->tensor_pair(i);
        int rc = ops.copy_from_device(p.host_ptr, p.dev_ptr, p.size);
        if (rc != 0 && status == 0) {
            std::snprintf(message, message_size,
                          "finalize_runtime: copying tensor pair %d (%zu bytes) back failed", i,
                          p.size);
            status = rc;
        }
    }
    discard(rt, side);
    return status;
}
