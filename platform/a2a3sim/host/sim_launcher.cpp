#include "sim_launcher.h"

#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "core_type.h"
#include "kernel_args.h"
#include "launch_config.h"
#include "platform_limits.h"
#include "pto_status.h"
#include "runtime_host_interface.h"
#include "sim_binary_cache.h"
#include "sim_fault_report.h"
#include "sim_kernel_registry.h"
#include "sim_thread_placement.h"
#include "sim_thread_pool.h"

namespace {

// How long workers get to leave after the schedulers returned. A worker
// still inside a kernel then is abandoned (its thread given up on, its code
// kept mapped) rather than waited for forever.
constexpr auto kWorkerExitGrace = std::chrono::seconds(1);

int run_launch(const LaunchRequest& req, char* message, size_t message_size) {
    int rc = check_launch_config(req.aicpu_thread_num, req.block_dim, message, message_size);
    if (rc != 0) return rc;
    if (!runtime_host_is_initialized(req.runtime)) {
        std::snprintf(message, message_size, "launch_runtime: call init_runtime first");
        return PTO_ERR_NOT_INITIALIZED;
    }

    SimBinaries bin{};
    if ((rc = sim_binaries_for(req.aicpu_bin, req.aicpu_size, req.aicore_bin, req.aicore_size, &bin,
                               message, message_size)) != 0) {
        return rc;
    }

    RuntimeLaunchSettings settings{req.aicpu_thread_num, req.block_dim, req.timeout_ns};
    rc = runtime_host_prepare_launch(req.runtime, settings, sim_kernel_address, message,
                                     message_size);
    if (rc != 0) return rc;

    DeviceArgs device_args{};
    KernelArgs kernel_args{};
    kernel_args.device_args = &device_args;
    kernel_args.runtime_args = req.runtime;
    rc = bin.aicpu_init(&kernel_args);
    if (rc != 0) {
        std::snprintf(message, message_size, "AICPU init kernel failed with %d (%s)", rc,
                      pto_status_name(rc));
        return rc;
    }

    int worker_count = req.block_dim * PLATFORM_CORES_PER_BLOCK;
    SimPlacement placement;
    rc = sim_plan_placement(req.aicpu_thread_num, worker_count, &placement, message, message_size);
    if (rc != 0) return rc;

    bin.install_fault_handlers();
    SimThreadCrew workers;
    SimThreadCrew schedulers;
    std::vector<int> results(static_cast<size_t>(req.aicpu_thread_num), 0);
    std::string start_error;
    bool started = true;
    for (int w = 0; started && w < worker_count; ++w) {
        int type = static_cast<int>(w < req.block_dim ? CoreType::AIC : CoreType::AIV);
        started = workers.start([=] { bin.aicore_entry(req.runtime, w, type); },
                                placement.worker_cpu[static_cast<size_t>(w)], placement.allowed,
                                &start_error);
    }
    for (int t = 0; started && t < req.aicpu_thread_num; ++t) {
        started = schedulers.start(
            [&, t] { results[static_cast<size_t>(t)] = bin.aicpu_server(&kernel_args); },
            placement.scheduler_cpu[static_cast<size_t>(t)], placement.allowed, &start_error);
    }
    if (!started) {
        // Stop whatever started, then report.
        runtime_host_abort_launch(req.runtime, PTO_ERR_DEVICE);
        schedulers.wait_all();
        workers.wait_all();
        bin.restore_fault_handlers();
        std::snprintf(message, message_size, "could not start simulator threads: %s",
                      start_error.c_str());
        return PTO_ERR_DEVICE;
    }

    // Schedulers bound themselves: each returns when the graph completes or
    // when the run went the timeout without progress.
    schedulers.wait_all();
    int failure = 0;
    for (int r : results) {
        if (r != 0 && failure == 0) failure = r;
    }
    // Describe a stall while the workers are still as they were.
    if (failure == PTO_ERR_TIMEOUT) runtime_host_report_stall(req.runtime, sim_kernel_name);
    runtime_host_stop_workers(req.runtime);
    int abandoned = workers.wait_until(std::chrono::steady_clock::now() + kWorkerExitGrace);
    if (abandoned > 0) {
        // A worker is stuck inside a kernel: the kernels must stay mapped,
        // and so must the fault handlers (the AICore binary is cached, so it
        // stays anyway).
        sim_pin_kernels();
        runtime_host_mark_abandoned(req.runtime);
    } else {
        bin.restore_fault_handlers();
    }

    if (failure == PTO_ERR_TIMEOUT) {
        std::snprintf(message, message_size,
                      "the run made no progress for %.1f s and was stopped (diagnostic above)%s",
                      req.timeout_ns / 1e9,
                      abandoned ? "; a worker is still inside its kernel" : "");
        return failure;
    }
    if (failure == PTO_ERR_KERNEL_FAULT) {
        KernelFaultRecord record{};
        if (runtime_host_find_fault(req.runtime, &record)) {
            PtoKernelFault fault;
            sim_describe_fault(record, &fault, message, message_size);
            sim_set_last_fault(&fault);
        } else {
            std::snprintf(message, message_size, "a kernel faulted, but no worker recorded it");
        }
        return failure;
    }
    if (failure != 0) {
        std::snprintf(message, message_size, "AICPU scheduler failed with %d (%s)", failure,
                      pto_status_name(failure));
        return failure;
    }
    if (abandoned > 0) {
        std::snprintf(message, message_size, "%d worker thread(s) did not stop after the run",
                      abandoned);
        return PTO_ERR_DEVICE;
    }
    return 0;
}

}  // namespace

int sim_launch(const LaunchRequest& req, char* message, size_t message_size) {
    sim_set_last_fault(nullptr);
    int rc = run_launch(req, message, message_size);
    if (runtime_host_is_initialized(req.runtime)) runtime_host_launch_finished(req.runtime, rc);
    return rc;
}
