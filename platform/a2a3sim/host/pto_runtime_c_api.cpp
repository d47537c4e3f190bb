// The host C API on the simulator. Every entry point catches everything: no
// C++ exception crosses the extern "C" boundary.
#include "pto_runtime_c_api.h"

#include <atomic>
#include <cstdio>
#include <new>

#include "last_error.h"
#include "runtime_host_interface.h"
#include "sim_device_memory.h"
#include "sim_kernel_registry.h"
#include "sim_launcher.h"

namespace {

constexpr double kDefaultTimeoutSeconds = 60.0;
std::atomic<uint64_t> g_timeout_ns{static_cast<uint64_t>(kDefaultTimeoutSeconds * 1e9)};
std::atomic<int> g_device_id{0};

template <typename F>
int guarded(const char* what, F body) {
    try {
        return body();
    } catch (const std::bad_alloc&) {
        set_last_error("%s: out of host memory", what);
        return PTO_ERR_OUT_OF_MEMORY;
    } catch (...) {
        set_last_error("%s: unexpected internal failure", what);
        return PTO_ERR_DEVICE;
    }
}

int report(int rc, const char* message) {
    if (rc != 0) set_last_error("%s", message);
    return rc;
}

}  // namespace

extern "C" {

size_t get_runtime_size(void) { return runtime_host_size(); }

int init_runtime(RuntimeHandle rt, const uint8_t* orch_so, size_t orch_so_size,
                 const char* orch_func_name, uint64_t* func_args, int func_args_count) {
    clear_last_error();
    return guarded("init_runtime", [&] {
        char message[1024] = {};
        return report(runtime_host_init(rt, orch_so, orch_so_size, orch_func_name, func_args,
                                        func_args_count, sim_device_memory_ops(), message,
                                        sizeof message),
                      message);
    });
}

int launch_runtime(RuntimeHandle rt, int aicpu_thread_num, int block_dim, int device_id,
                   const uint8_t* aicpu_bin, size_t aicpu_size, const uint8_t* aicore_bin,
                   size_t aicore_size) {
    clear_last_error();
    return guarded("launch_runtime", [&] {
        if (device_id < 0) {
            set_last_error("launch_runtime: device id %d is negative", device_id);
            return static_cast<int>(PTO_ERR_INVALID_ARGUMENT);
        }
        SimLaunchRequest req{rt,        aicpu_thread_num, block_dim,  g_timeout_ns.load(),
                             aicpu_bin, aicpu_size,       aicore_bin, aicore_size};
        char message[1024] = {};
        return report(sim_launch(req, message, sizeof message), message);
    });
}

int finalize_runtime(RuntimeHandle rt) {
    clear_last_error();
    return guarded("finalize_runtime", [&] {
        char message[1024] = {};
        return report(runtime_host_finalize(rt, sim_device_memory_ops(), message, sizeof message),
                      message);
    });
}

int set_device(int device_id) {
    clear_last_error();
    if (device_id < 0) {
        set_last_error("set_device: device id %d is negative", device_id);
        return PTO_ERR_INVALID_ARGUMENT;
    }
    g_device_id.store(device_id);
    return 0;
}

int register_kernel(int func_id, const uint8_t* bin, size_t bin_size) {
    clear_last_error();
    return guarded("register_kernel", [&] {
        char message[1024] = {};
        return report(sim_register_kernel(func_id, bin, bin_size, message, sizeof message),
                      message);
    });
}

void* device_malloc(size_t size) { return sim_device_memory_ops().device_malloc(size); }

void device_free(void* p) { sim_device_memory_ops().device_free(p); }

int copy_to_device(void* dev, const void* host, size_t n) {
    return sim_device_memory_ops().copy_to_device(dev, host, n);
}

int copy_from_device(void* host, const void* dev, size_t n) {
    return sim_device_memory_ops().copy_from_device(host, dev, n);
}

int pto_register_kernel_text(int func_id, const uint8_t* text, size_t size, uint64_t entry_offset) {
    clear_last_error();
    return guarded("pto_register_kernel_text", [&] {
        char message[1024] = {};
        return report(sim_register_kernel_text(func_id, text, size, entry_offset, message, sizeof message),
                      message);
    });
}

int pto_set_graph_limits(int max_tasks, int max_successors) {
    clear_last_error();
    char message[256] = {};
    return report(runtime_host_set_graph_limits(max_tasks, max_successors, message, sizeof message),
                  message);
}

int pto_name_kernel(int func_id, const char* name) {
    clear_last_error();
    return guarded("pto_name_kernel", [&] {
        int rc = sim_name_kernel(func_id, name);
        if (rc != 0) set_last_error("pto_name_kernel: func_id %d: the name is null", func_id);
        return rc;
    });
}

static_assert(sizeof(PtoTaskRecord) == sizeof(TaskRecordView), "task record layouts must match");
static_assert(sizeof(PtoTaskRecord) == 64, "PtoTaskRecord layout");

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
