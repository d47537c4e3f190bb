#include "device_launch.h"

#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "core_type.h"
#include "kernel_args.h"
#include "platform_limits.h"
#include "pto_status.h"
#include "sim_thread_placement.h"
#include "sim_thread_pool.h"

namespace {

// How long workers get to leave after the schedulers returned (they stop
// their workers before returning; only a worker inside a kernel stays).
constexpr auto kWorkerExitGrace = std::chrono::seconds(1);

// What the bodies of one launch share; each body holds it, so a body that
// outlives the launch (abandoned) still finds it.
struct LaunchShared {
    RuntimeEntryPoints entry{};
    void* launch_block = nullptr;
    DeviceArgs device_args{};
    KernelArgs kernel_args{};
    std::vector<int> results;  // per scheduler thread
};

void fill(DeviceLaunchDone* done, int status, const std::string& message) {
    done->status = status;
    std::snprintf(done->message, sizeof done->message, "%s", message.c_str());
}

}  // namespace

DeviceLaunchDone run_device_launch(const DeviceLaunch& request, const RuntimeEntryPoints& entry) {
    DeviceLaunchDone done{};
    auto shared = std::make_shared<LaunchShared>();
    shared->entry = entry;
    shared->launch_block = reinterpret_cast<void*>(request.entry_argument);
    shared->kernel_args.device_args = &shared->device_args;
    shared->kernel_args.runtime_args = shared->launch_block;
    shared->results.assign(static_cast<size_t>(request.aicpu_thread_num), 0);
    entry.aicpu_set_idle_tuning(&request.idle);
    entry.aicore_set_idle_tuning(&request.idle);
    int rc = entry.aicpu_init(&shared->kernel_args);
    if (rc != 0) {
        fill(&done, rc, "the AICPU init kernel");
        return done;
    }

    cpu_set_t allowed;
    static_assert(sizeof request.allowed_cpus >= sizeof allowed, "CPU mask fits the request");
    __builtin_memcpy(&allowed, request.allowed_cpus, sizeof allowed);
    const int worker_count = request.block_dim * PLATFORM_CORES_PER_BLOCK;
    SimPlacement placement;
    sim_plan_placement(request.aicpu_thread_num, worker_count, request.place_threads != 0, allowed,
                       request.first_cpu, &placement);

    SimThreadCrew schedulers;
    SimThreadCrew workers;
    entry.install_fault_handlers();
    std::string start_error;
    bool ok = true;
    for (int w = 0; ok && w < worker_count; ++w) {
        int type = static_cast<int>(w < request.block_dim ? CoreType::AIC : CoreType::AIV);
        ok = workers.start(
            [shared, w, type] { shared->entry.aicore_entry(shared->launch_block, w, type); },
            placement.worker_cpu[static_cast<size_t>(w)], placement.allowed, &start_error, true);
    }
    for (int t = 0; ok && t < request.aicpu_thread_num; ++t) {
        ok = schedulers.start(
            [shared, t] {
                shared->results[static_cast<size_t>(t)] =
                    shared->entry.aicpu_server(&shared->kernel_args);
            },
            placement.scheduler_cpu[static_cast<size_t>(t)], placement.allowed, &start_error, true);
    }
    sim_thread_pool_wake_held();
    if (!ok) {
        // Bodies that started wait for work that never comes: the host
        // stops the launch and ends this process.
        done.abandoned_workers = workers.wait_until(std::chrono::steady_clock::now()) +
                                 schedulers.wait_until(std::chrono::steady_clock::now());
        fill(&done, PTO_ERR_DEVICE, "starting the simulator's threads (" + start_error + ")");
        return done;
    }
    // The schedulers bound the run themselves (no progress for the launch's
    // timeout); the host watches progress too and ends this process if they
    // do not return.
    schedulers.wait_all();
    done.abandoned_workers =
        workers.wait_until(std::chrono::steady_clock::now() + kWorkerExitGrace);
    // A worker still inside a kernel may still fault: the handlers stay.
    if (done.abandoned_workers == 0) entry.restore_fault_handlers();
    for (int r : shared->results) {
        if (r != 0) {
            fill(&done, r, "the AICPU scheduler");
            break;
        }
    }
    // What kernels printed reaches the terminal before the host reports.
    std::fflush(stdout);
    std::fflush(stderr);
    return done;
}
