// The half of the host C API that is the same on every platform: the handle
// life cycle around the runtime's host interface, launches through the
// launch driver, tracked device memory, graph inspection and process-wide
// settings. Each platform's host folder adds devices, kernel registration
// and its launch backend.
#include <atomic>
#include <cstdio>
#include <vector>

#include "c_api_guard.h"
#include "device_memory.h"
#include "export.h"
#include "host_buffers.h"
#include "kernel_names.h"
#include "last_error.h"
#include "orchestration_name.h"
#include "launch_driver.h"
#include "pto_runtime_c_api.h"
#include "runtime_host_interface.h"

namespace {

constexpr double kDefaultTimeoutSeconds = 60.0;
// Below this a run is stopped before its workers have answered.
constexpr double kShortestTimeoutSeconds = 0.001;

// The graph calls return a count or a status; a status gets its words.
int explained(const char* call, int rc) {
    if (rc == PTO_ERR_NOT_INITIALIZED) {
        set_last_error(
            "%s: the handle is not initialised (init_runtime has not returned "
            "successfully on it, or it was finalized)",
            call);
    } else if (rc == PTO_ERR_INVALID_ARGUMENT) {
        set_last_error("%s: a positive capacity needs an array to copy into", call);
    } else if (rc < 0) {
        set_last_error("%s failed with %d (%s)", call, rc, pto_status_name(rc));
    }
    return rc;
}
std::atomic<uint64_t> g_timeout_ns{static_cast<uint64_t>(kDefaultTimeoutSeconds * 1e9)};

}  // namespace

static_assert(sizeof(PtoTaskRecord) == sizeof(TaskRecordView), "task record layouts must match");
static_assert(sizeof(PtoTaskRecord) == 72, "PtoTaskRecord layout");
static_assert(sizeof(PtoBlockRecord) == sizeof(BlockRecordView), "block record layouts must match");
static_assert(sizeof(PtoBlockRecord) == 56, "PtoBlockRecord layout");

extern "C" {

PTO_EXPORT size_t get_runtime_size(void) {
    return runtime_host_size();
}

PTO_EXPORT int init_runtime(RuntimeHandle rt, const uint8_t* orch_so, size_t orch_so_size,
                            const char* orch_func_name, uint64_t* func_args, int func_args_count) {
    clear_last_error();
    return guarded("init_runtime", [&] {
        char message[1024] = {};
        return report(runtime_host_init(rt, orch_so, orch_so_size, orch_func_name, func_args,
                                        func_args_count, message, sizeof message),
                      message);
    });
}

PTO_EXPORT int pto_init_runtime_args(RuntimeHandle rt, const uint8_t* orch_so, size_t orch_so_size,
                                     const char* orch_func_name, const PtoTaskArg* args,
                                     int arg_count) {
    clear_last_error();
    return guarded("pto_init_runtime_args", [&] {
        char message[1024] = {};
        return report(runtime_host_init_args(rt, orch_so, orch_so_size, orch_func_name, args,
                                             arg_count, message, sizeof message),
                      message);
    });
}

PTO_EXPORT int launch_runtime(RuntimeHandle rt, int aicpu_thread_num, int block_dim, int device_id,
                              const uint8_t* aicpu_bin, size_t aicpu_size,
                              const uint8_t* aicore_bin, size_t aicore_size) {
    clear_last_error();
    return guarded("launch_runtime", [&] {
        LaunchParams params{aicpu_thread_num, block_dim,  device_id,  g_timeout_ns.load(),
                            aicpu_bin,        aicpu_size, aicore_bin, aicore_size};
        // Room for a stall report (its lists are capped at a few entries each).
        std::vector<char> message(kLastErrorBytes, '\0');
        return report(run_launch(rt, params, message.data(), message.size()), message.data());
    });
}

PTO_EXPORT int finalize_runtime(RuntimeHandle rt) {
    clear_last_error();
    return guarded("finalize_runtime", [&] {
        char message[1024] = {};
        return report(runtime_host_finalize(rt, message, sizeof message), message);
    });
}

PTO_EXPORT void* device_malloc(size_t size) {
    clear_last_error();
    char message[512] = {};
    void* p = device_allocate(size, nullptr, message, sizeof message);
    if (p == nullptr) set_last_error("%s", message);
    return p;
}

PTO_EXPORT void device_free(void* p) {
    clear_last_error();
    if (p == nullptr) return;
    char message[256] = {};
    if (!device_release(p, 0, message, sizeof message)) set_last_error("%s", message);
}

PTO_EXPORT int copy_to_device(void* dev, const void* host, size_t n) {
    clear_last_error();
    char message[256] = {};
    return report(device_copy_to(dev, host, n, message, sizeof message), message);
}

PTO_EXPORT int copy_from_device(void* host, const void* dev, size_t n) {
    clear_last_error();
    char message[256] = {};
    return report(device_copy_from(host, dev, n, message, sizeof message), message);
}

PTO_EXPORT int pto_graph_size(RuntimeHandle rt, int* tasks, int* edges) {
    clear_last_error();
    return explained("pto_graph_size", runtime_host_graph_size(rt, tasks, edges));
}

PTO_EXPORT int pto_copied_back_bytes(RuntimeHandle rt, const void* host, size_t size,
                                     size_t* bytes) {
    clear_last_error();
    return explained("pto_copied_back_bytes",
                     runtime_host_copied_back_bytes(rt, host, size, bytes));
}

PTO_EXPORT int pto_get_task_records(RuntimeHandle rt, PtoTaskRecord* out, int capacity) {
    clear_last_error();
    return explained(
        "pto_get_task_records",
        runtime_host_task_records(rt, reinterpret_cast<TaskRecordView*>(out), capacity));
}

PTO_EXPORT int pto_get_block_records(RuntimeHandle rt, PtoBlockRecord* out, int capacity) {
    clear_last_error();
    if (capacity < 0 || (out == nullptr && capacity > 0)) {
        return report(PTO_ERR_INVALID_ARGUMENT,
                      "pto_get_block_records: out is null or capacity is negative");
    }
    return explained(
        "pto_get_block_records",
        runtime_host_block_records(rt, reinterpret_cast<BlockRecordView*>(out), capacity));
}

PTO_EXPORT int pto_get_edges(RuntimeHandle rt, int32_t* from, int32_t* to, int capacity) {
    clear_last_error();
    return explained("pto_get_edges", runtime_host_edges(rt, from, to, capacity));
}

// Called from another thread while a launch runs: only a failure touches
// this thread's last error.
PTO_EXPORT int pto_get_progress(RuntimeHandle rt, int* done, int* total) {
    return explained("pto_get_progress", runtime_host_progress(rt, done, total));
}

PTO_EXPORT int pto_get_orchestration_stats(RuntimeHandle rt, PtoOrchestrationStats* out) {
    clear_last_error();
    if (out == nullptr)
        return report(PTO_ERR_INVALID_ARGUMENT, "pto_get_orchestration_stats: out is null");
    *out = PtoOrchestrationStats{};
    return explained("pto_get_orchestration_stats", runtime_host_orchestration_stats(rt, out));
}

PTO_EXPORT int pto_set_graph_limits_ex(int max_tasks, int max_successors, int max_args) {
    clear_last_error();
    char message[256] = {};
    return report(
        runtime_host_set_graph_limits(max_tasks, max_successors, max_args, message, sizeof message),
        message);
}

PTO_EXPORT int pto_set_graph_limits(int max_tasks, int max_successors) {
    return pto_set_graph_limits_ex(max_tasks, max_successors, PTO_DEFAULT_MAX_ARGS);
}

PTO_EXPORT int pto_set_run_timeout(double seconds) {
    clear_last_error();
    if (!(seconds >= 0) || seconds > 86400.0 * 365 ||
        (seconds > 0 && seconds < kShortestTimeoutSeconds)) {
        set_last_error(
            "pto_set_run_timeout: %g seconds is not a usable timeout; give 0.001 to "
            "31536000 seconds, or 0 for the default (%g)",
            seconds, kDefaultTimeoutSeconds);
        return PTO_ERR_INVALID_ARGUMENT;
    }
    double s = seconds == 0 ? kDefaultTimeoutSeconds : seconds;
    g_timeout_ns.store(static_cast<uint64_t>(s * 1e9));
    return 0;
}

PTO_EXPORT int pto_name_host_buffer(const void* host, size_t size, const char* name) {
    clear_last_error();
    return guarded("pto_name_host_buffer", [&] {
        char message[256] = {};
        return report(host_buffer_name(host, size, name, message, sizeof message), message);
    });
}

PTO_EXPORT int pto_name_kernel(int func_id, const char* name) {
    clear_last_error();
    if (func_id < 0) {
        set_last_error("pto_name_kernel: func_id %d is negative", func_id);
        return PTO_ERR_INVALID_ARGUMENT;
    }
    if (set_kernel_name(func_id, name) != 0) {
        set_last_error("pto_name_kernel: func_id %d: the name is null", func_id);
        return PTO_ERR_INVALID_ARGUMENT;
    }
    return 0;
}

PTO_EXPORT int pto_name_device_buffer(const void* dev, const char* name) {
    clear_last_error();
    char message[256] = {};
    int rc = device_allocation_set_name(dev, name, message, sizeof message);
    if (rc != 0) set_last_error("pto_name_device_buffer: %s", message);
    return rc;
}

PTO_EXPORT int pto_name_orchestration(const char* source) {
    clear_last_error();
    set_orchestration_source(source);
    return 0;
}

PTO_EXPORT int pto_set_ring_sizes(RuntimeHandle rt, const PtoRingSizes* sizes) {
    clear_last_error();
    char message[512] = {};
    if (sizes == nullptr) {
        set_last_error("pto_set_ring_sizes: sizes is null");
        return PTO_ERR_INVALID_ARGUMENT;
    }
    return report(runtime_host_set_ring_sizes(rt, sizes, message, sizeof message), message);
}

PTO_EXPORT int pto_get_ring_sizes(RuntimeHandle rt, PtoRingSizes* out) {
    clear_last_error();
    char message[512] = {};
    if (out == nullptr) {
        set_last_error("pto_get_ring_sizes: out is null");
        return PTO_ERR_INVALID_ARGUMENT;
    }
    return report(runtime_host_ring_sizes(rt, out, message, sizeof message), message);
}

PTO_EXPORT int pto_set_kernel_core_type(int func_id, int core_type) {
    clear_last_error();
    if (func_id < 0) {
        set_last_error("pto_set_kernel_core_type: func_id %d is negative", func_id);
        return PTO_ERR_INVALID_ARGUMENT;
    }
    if (set_kernel_core_type(func_id, core_type) != 0) {
        set_last_error("pto_set_kernel_core_type: func_id %d: core type %d is neither 0 (AIC) nor "
                       "1 (AIV)",
                       func_id, core_type);
        return PTO_ERR_INVALID_ARGUMENT;
    }
    return 0;
}

}  // extern "C"
