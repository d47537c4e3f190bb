// The simulator's launch backend: the AICPU scheduler and AICore workers of
// a launch run as host threads borrowed from the thread pool, placed on
// cores, with kernel faults caught. Every thread body holds the launch, so
// its block, graph and device memory outlive a worker stuck in a kernel;
// such a worker is given up on after a grace period, and its device refuses
// new launches until the kernel returns.
#include <chrono>
#include <cstdio>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core_type.h"
#include "kernel_args.h"
#include "kernel_names.h"
#include "launch_backend.h"
#include "platform_limits.h"
#include "pto_status.h"
#include "sim_binary_cache.h"
#include "sim_fault_report.h"
#include "sim_kernel_registry.h"
#include "sim_settings.h"
#include "sim_thread_placement.h"
#include "sim_thread_pool.h"

namespace {

using Clock = std::chrono::steady_clock;

// How long workers get to leave after the schedulers returned. A worker
// still inside a kernel then is given up on.
constexpr auto kWorkerExitGrace = std::chrono::seconds(1);
// The schedulers bound a run themselves; this much past their bound the host
// stops a run whose schedulers have not returned (a scheduler that never got
// a core, a bug) instead of waiting forever.
constexpr auto kSchedulerMargin = std::chrono::seconds(5);
constexpr auto kProgressPoll = std::chrono::milliseconds(100);

// What the bodies of one launch share with the launcher; each body holds it.
struct SimLaunchShared {
    std::shared_ptr<RuntimeLaunch> launch;
    SimBinaries bin{};
    DeviceArgs device_args{};
    KernelArgs kernel_args{};
    std::vector<int> results;  // per scheduler thread
};

class SimStartedLaunch final : public StartedLaunch {
public:
    std::shared_ptr<SimLaunchShared> shared;
    SimThreadCrew schedulers;
    SimThreadCrew workers;
    uint64_t timeout_ns = 0;

    int wait(LaunchEnd* end, char* message, size_t message_size) override;
    void restore_fault_handlers() { shared->bin.restore_fault_handlers(); }
};

int SimStartedLaunch::wait(LaunchEnd* end, char* message, size_t message_size) {
    RuntimeLaunch& launch = *shared->launch;
    const auto bound = std::chrono::nanoseconds(timeout_ns) + kSchedulerMargin;
    int seen = -1;
    auto since = Clock::now();
    bool stopped_by_host = false;
    while (!schedulers.finished_by(Clock::now() + kProgressPoll)) {
        int done = launch.completed_tasks();
        if (done != seen) {
            seen = done;
            since = Clock::now();
        } else if (!stopped_by_host && Clock::now() - since > bound) {
            launch.abort(PTO_ERR_TIMEOUT);
            stopped_by_host = true;
            since = Clock::now();
        } else if (stopped_by_host && Clock::now() - since > kWorkerExitGrace) {
            int stuck = schedulers.wait_until(Clock::now());
            launch.stop_workers();
            end->abandoned_workers = workers.wait_until(Clock::now() + kWorkerExitGrace);
            std::snprintf(message, message_size,
                          "%d scheduler thread(s) did not return after the run was stopped; the "
                          "simulated device is left as it is",
                          stuck);
            return PTO_ERR_DEVICE;
        }
    }
    launch.stop_workers();
    end->abandoned_workers = workers.wait_until(Clock::now() + kWorkerExitGrace);
    // A worker still inside a kernel may still fault: its handlers stay.
    if (end->abandoned_workers == 0) restore_fault_handlers();
    if (launch.status() == 0) {
        for (int r : shared->results) {
            if (r != 0) {
                std::snprintf(message, message_size, "AICPU scheduler failed with %d (%s)", r,
                              pto_status_name(r));
                return r;
            }
        }
    }
    return 0;
}

// A launch given up on because a worker never left its kernel. Only the
// stuck workers hold the launch now: the last of them to return frees it.
struct AbandonedLaunch {
    int device_id;
    SimThreadCrew workers;
    void (*restore_fault_handlers)();
    std::vector<RunningTask> stuck;
    Clock::time_point since;
};

class SimLaunchBackend final : public LaunchBackend {
public:
    int check_device(int device_id, char* message, size_t message_size) override;
    bool kernel_entry(int func_id, uint64_t* entry,
                      std::shared_ptr<const void>* keep_alive) override {
        return sim_kernel_entry(func_id, entry, keep_alive);
    }
    int start(const std::shared_ptr<RuntimeLaunch>& launch, const LaunchParams& params,
              std::unique_ptr<StartedLaunch>* out, char* message, size_t message_size) override;
    void describe_fault(const KernelFaultRecord& record, PtoKernelFault* fault, char* message,
                        size_t message_size) override {
        sim_describe_fault(record, fault, message, message_size);
    }
    void note_abandoned(int device_id, std::unique_ptr<StartedLaunch> started,
                        const std::shared_ptr<RuntimeLaunch>& launch) override;

private:
    std::mutex mutex_;
    std::vector<AbandonedLaunch> abandoned_;
};

int SimLaunchBackend::check_device(int device_id, char* message, size_t message_size) {
    std::lock_guard<std::mutex> lock(mutex_);
    for (auto it = abandoned_.begin(); it != abandoned_.end();) {
        if (it->workers.running() == 0) {
            // The kernel returned at last (and released its launch): the
            // fault handlers kept for it go too.
            it->restore_fault_handlers();
            it = abandoned_.erase(it);
            continue;
        }
        if (it->device_id == device_id) {
            const RunningTask* t = it->stuck.empty() ? nullptr : &it->stuck.front();
            const char* name = t ? kernel_name(t->func_id) : nullptr;
            double ago = std::chrono::duration<double>(Clock::now() - it->since).count();
            std::snprintf(message, message_size,
                          "device %d still runs a kernel of an earlier launch that was stopped "
                          "and given up on %.1f s ago (task %d, func_id %d%s%s%s, on worker %d); "
                          "a new launch would share its core, so none starts until the kernel "
                          "returns (a hung kernel cannot be stopped inside this process: run "
                          "again in a new one)",
                          device_id, ago, t ? t->task_id : -1, t ? t->func_id : -1,
                          name ? " (" : "", name ? name : "", name ? ")" : "",
                          t ? t->worker_id : -1);
            return PTO_ERR_BUSY;
        }
        ++it;
    }
    return 0;
}

void SimLaunchBackend::note_abandoned(int device_id, std::unique_ptr<StartedLaunch> started,
                                      const std::shared_ptr<RuntimeLaunch>& launch) {
    auto* sim = static_cast<SimStartedLaunch*>(started.get());
    AbandonedLaunch a;
    a.device_id = device_id;
    a.workers = std::move(sim->workers);
    a.restore_fault_handlers = sim->shared->bin.restore_fault_handlers;
    started.reset();
    a.stuck.resize(static_cast<size_t>(launch->worker_count()));
    a.stuck.resize(static_cast<size_t>(
        launch->running_tasks(a.stuck.data(), static_cast<int>(a.stuck.size()))));
    a.since = Clock::now();
    std::lock_guard<std::mutex> lock(mutex_);
    abandoned_.push_back(std::move(a));
}

int SimLaunchBackend::start(const std::shared_ptr<RuntimeLaunch>& launch,
                            const LaunchParams& params, std::unique_ptr<StartedLaunch>* out,
                            char* message, size_t message_size) {
    SimSettings settings;
    int rc = sim_read_settings(&settings, message, message_size);
    if (rc != 0) return rc;
    auto shared = std::make_shared<SimLaunchShared>();
    shared->launch = launch;
    if ((rc = sim_binaries_for(params.aicpu_bin, params.aicpu_size, params.aicore_bin,
                               params.aicore_size, &shared->bin, message, message_size)) != 0) {
        return rc;
    }
    const SimBinaries& bin = shared->bin;
    bin.aicpu_set_idle_tuning(&settings.idle);
    bin.aicore_set_idle_tuning(&settings.idle);
    shared->kernel_args.device_args = &shared->device_args;
    shared->kernel_args.runtime_args = launch->entry_argument();
    shared->results.assign(static_cast<size_t>(params.aicpu_thread_num), 0);
    rc = bin.aicpu_init(&shared->kernel_args);
    if (rc != 0) {
        std::snprintf(message, message_size, "AICPU init kernel failed with %d (%s)", rc,
                      pto_status_name(rc));
        return rc;
    }

    const int worker_count = params.block_dim * PLATFORM_CORES_PER_BLOCK;
    SimPlacement placement;
    sim_plan_placement(params.aicpu_thread_num, worker_count, settings.place_threads, &placement);

    auto started = std::make_unique<SimStartedLaunch>();
    started->shared = shared;
    started->timeout_ns = params.timeout_ns;
    bin.install_fault_handlers();
    std::string start_error;
    bool ok = true;
    for (int w = 0; ok && w < worker_count; ++w) {
        int type = static_cast<int>(w < params.block_dim ? CoreType::AIC : CoreType::AIV);
        ok = started->workers.start(
            [shared, w, type] {
                shared->bin.aicore_entry(shared->launch->entry_argument(), w, type);
            },
            placement.worker_cpu[static_cast<size_t>(w)], placement.allowed, &start_error, true);
    }
    for (int t = 0; ok && t < params.aicpu_thread_num; ++t) {
        ok = started->schedulers.start(
            [shared, t] {
                shared->results[static_cast<size_t>(t)] =
                    shared->bin.aicpu_server(&shared->kernel_args);
            },
            placement.scheduler_cpu[static_cast<size_t>(t)], placement.allowed, &start_error, true);
    }
    sim_thread_pool_wake_held();
    if (!ok) {
        // Stop whatever started, then report.
        launch->abort(PTO_ERR_DEVICE);
        started->schedulers.wait_all();
        started->workers.wait_all();
        bin.restore_fault_handlers();
        std::snprintf(message, message_size, "could not start simulator threads: %s",
                      start_error.c_str());
        return PTO_ERR_DEVICE;
    }
    *out = std::move(started);
    return 0;
}

}  // namespace

LaunchBackend& platform_launch_backend() {
    static SimLaunchBackend* backend = new SimLaunchBackend;  // abandoned launches outlive exit
    return *backend;
}
