// The half of the host C API that is the same on every platform: Runtime
// life cycle around the runtime's host interface, device memory through the
// platform's operations, graph inspection and process-wide settings.
#include <atomic>
#include <cstdio>

#include "c_api_guard.h"
#include "last_error.h"
#include "platform_host.h"
#include "pto_runtime_c_api.h"
#include "runtime_host_interface.h"

namespace {

constexpr double kDefaultTimeoutSeconds = 60.0;
std::atomic<uint64_t> g_timeout_ns{static_cast<uint64_t>(kDefaultTimeoutSeconds * 1e9)};

}  // namespace

uint64_t platform_run_timeout_ns() {
    return g_timeout_ns.load();
}

static_assert(sizeof(PtoTaskRecord) == sizeof(TaskRecordView), "task record layouts must match");
static_assert(sizeof(PtoTaskRecord) == 64, "PtoTaskRecord layout");

extern "C" {

size_t get_runtime_size(void) {
    return runtime_host_size();
}

int init_runtime(RuntimeHandle rt, const uint8_t* orch_so, size_t orch_so_size,
                 const char* orch_func_name, uint64_t* func_args, int func_args_count) {
    clear_last_error();
    return guarded("init_runtime", [&] {
        char message[1024] = {};
        return report(
            runtime_host_init(rt, orch_so, orch_so_size, orch_func_name, func_args, func_args_count,
                              platform_memory_ops(), message, sizeof message),
            message);
    });
}

int finalize_runtime(RuntimeHandle rt) {
    clear_last_error();
    return guarded("finalize_runtime", [&] {
        char message[1024] = {};
        return report(runtime_host_finalize(rt, platform_memory_ops(), message, sizeof message),
                      message);
    });
}

void* device_malloc(size_t size) {
    return platform_memory_ops().device_malloc(size);
}

void device_free(void* p) {
    platform_memory_ops().device_free(p);
}

int copy_to_device(void* dev, const void* host, size_t n) {
    return platform_memory_ops().copy_to_device(dev, host, n);
}

int copy_from_device(void* host, const void* dev, size_t n) {
    return platform_memory_ops().copy_from_device(host, dev, n);
}

int pto_graph_size(RuntimeHandle rt, int* tasks, int* edges) {
    return runtime_host_graph_size(rt, tasks, edges);
}

int pto_get_task_records(RuntimeHandle rt, PtoTaskRecord* out, int capacity) {
    return runtime_host_task_records(rt, reinterpret_cast<TaskRecordView*>(out), capacity);
}

int pto_get_edges(RuntimeHandle rt, int32_t* from, int32_t* to, int capacity) {
    return runtime_host_edges(rt, from, to, capacity);
}

int pto_get_progress(RuntimeHandle rt, int* done, int* total) {
    return runtime_host_progress(rt, done, total);
}

int pto_set_graph_limits(int max_tasks, int max_successors) {
    clear_last_error();
    char message[256] = {};
    return report(runtime_host_set_graph_limits(max_tasks, max_successors, message, sizeof message),
                  message);
}

int pto_set_run_timeout(double seconds) {
    clear_last_error();
    if (!(seconds >= 0) || seconds > 86400.0 * 365) {
        set_last_error("pto_set_run_timeout: %g seconds is not a usable timeout", seconds);
        return PTO_ERR_INVALID_ARGUMENT;
    }
    double s = seconds == 0 ? kDefaultTimeoutSeconds : seconds;
    g_timeout_ns.store(static_cast<uint64_t>(s * 1e9));
    return 0;
}

}  // extern "C"
