#include "device_descriptors.h"
#include "device_launch.h"

#include <pthread.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <string>
#include <thread>

#include "core_type.h"
#include "device_channel.h"
#include "device_stdout.h"
#include "device_sync.h"
#include "kernel_args.h"
#include "platform_limits.h"
#include "pto_status.h"
#include "sim_thread_placement.h"
#include "sim_thread_pool.h"

using Clock = std::chrono::steady_clock;

namespace {

// How long workers get to leave after the schedulers returned (they stop
// their workers before returning; only a worker inside a kernel stays).
constexpr auto kWorkerExitGrace = std::chrono::seconds(1);
constexpr int kSweepEveryMs = 100;

int64_t now_ns() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch())
        .count();
}

// Names this pool thread for its part in the launch ("pto-aicpu",
// "pto-aic", "pto-aiv": what top -H, a debugger and a kernel asking see),
// with a system call only when the part changes. Threads are reused in any
// order, so a name with the index changed at most launches (3-4 us a launch
// of 12 threads, measured).
void name_thread(const char* part) {
    thread_local const char* current = nullptr;
    if (part == current) return;
    char name[16];
    std::snprintf(name, sizeof name, "pto-%s", part);
    pthread_setname_np(pthread_self(), name);
    current = part;
}

// A unit a scheduler thread runs itself (unit_here.h), watched by the
// sweep: one that outlives its budget is handed to the timeout the
// scheduling core gave, and the thread is counted as one that never returns.
struct UnitHereSlot {
    // The state's low two bits; the rest counts the units run, so the sweep
    // takes over only the unit whose deadline it read.
    enum : uint64_t { kIdle, kRunning, kTakenOver, kStopped, kCodeMask = 3 };
    std::atomic<uint64_t> state{kIdle};
    std::atomic<int64_t> deadline_ns{0};
    void (*on_timeout)(void*) = nullptr;  // published by the CAS to kRunning
    void* context = nullptr;

    static uint64_t code(uint64_t state) { return state & kCodeMask; }
};

}  // namespace

// What the bodies of one launch share; each body holds it.
struct LaunchRun {
    uint64_t id = 0;
    int socket = -1;
    RuntimeEntryPoints entry{};
    void* launch_block = nullptr;
    DeviceArgs device_args{};
    KernelArgs kernel_args{};
    std::vector<int> results;  // per scheduler thread
    std::atomic<int> schedulers_left{0};
    std::atomic<int> bodies_left{0};
    std::atomic<int64_t> schedulers_done_ns{0};
    std::atomic<bool> answered{false};
    SimThreadCrew schedulers;
    SimThreadCrew workers;
    std::unique_ptr<UnitHereSlot[]> here;  // per scheduler thread

    // Exactly once: from the last body, from the sweep, or at a failed start.
    void answer(int status, int abandoned, DeviceLaunchPart part, std::string what) {
        bool expected = false;
        if (!answered.compare_exchange_strong(expected, true, std::memory_order_acq_rel)) return;
        // Descriptors the guard could not protect (fclose(stdout), a raw
        // system call) are put back, and the launch does not pass silently.
        std::string lost;
        bool broken = device_descriptors_restore_own(&lost);
        if (device_stdout_reinstall_if_closed()) {
            lost += std::string(lost.empty() ? "" : ", ") + "stdout stream";
            broken = true;
        }
        if (broken && status == 0) {
            status = PTO_ERR_DEVICE;
            part = DeviceLaunchPart::kDevice;
            what = "code this launch ran closed or replaced the device's own " + lost +
                   ", out of the descriptor guard's reach (fclose, freopen, or a raw system "
                   "call); it was put back, and what was written to it meanwhile is lost";
        }
        DeviceLaunchDone done{};
        done.status = status;
        done.abandoned_workers = abandoned;
        done.failed_part = static_cast<int32_t>(status != 0 ? part : DeviceLaunchPart::kNone);
        std::snprintf(done.message, sizeof done.message, "%s", what.c_str());
        // A worker still inside a kernel may still fault: the handlers stay.
        if (abandoned == 0) entry.restore_fault_handlers();
        // What kernels printed reaches the terminal before the host reports,
        // ending in a newline.
        device_stdout_end_line();
        std::fflush(stderr);
        note_answer();
        channel_send(socket, static_cast<uint32_t>(DeviceReply::kLaunchDone), id, done);
    }

    bool taken_over(size_t t) const {
        return UnitHereSlot::code(here[t].state.load(std::memory_order_acquire)) >=
               UnitHereSlot::kTakenOver;
    }

    // The schedulers' verdict, once they all returned (or were taken over).
    void answer_from_results(int abandoned) {
        for (size_t t = 0; t < results.size(); ++t) {
            // A taken-over thread may still write its own result: not read.
            const int r = taken_over(t) ? PTO_ERR_TIMEOUT : results[t];
            if (r != 0) {
                return answer(r, abandoned, DeviceLaunchPart::kScheduler, "the AICPU scheduler");
            }
        }
        answer(0, abandoned, DeviceLaunchPart::kNone, "");
    }

    void scheduler_returned() {
        if (schedulers_left.fetch_sub(1, std::memory_order_acq_rel) == 1) {
            schedulers_done_ns.store(now_ns(), std::memory_order_release);
        }
    }

    // The sweep's look at units run here: one past its deadline is stopped
    // on its thread's behalf.
    void take_over_late_units(int64_t now) {
        for (size_t t = 0; t < results.size(); ++t) {
            UnitHereSlot& slot = here[t];
            // Acquire pairs with the runner's CAS to kRunning (deadline, callback).
            uint64_t running = slot.state.load(std::memory_order_acquire);
            if (UnitHereSlot::code(running) != UnitHereSlot::kRunning) continue;
            if (now < slot.deadline_ns.load(std::memory_order_relaxed)) continue;
            const uint64_t unit = running & ~uint64_t{UnitHereSlot::kCodeMask};
            // Fails if that unit returned meanwhile (the next has its own deadline).
            if (!slot.state.compare_exchange_strong(running, unit | UnitHereSlot::kTakenOver,
                                                    std::memory_order_acq_rel)) {
                continue;
            }
            slot.on_timeout(slot.context);
            // Pairs with the runner's acquire load: the call into its core is over.
            slot.state.store(unit | UnitHereSlot::kStopped, std::memory_order_release);
            scheduler_returned();
        }
    }

    void body_finished() {
        if (bodies_left.fetch_sub(1, std::memory_order_acq_rel) == 1) answer_from_results(0);
    }
};

namespace {

// The launch and scheduler index of this thread, while it runs a launch's
// scheduler body (the device program's own thread-local storage).
thread_local LaunchRun* t_run = nullptr;
thread_local int t_scheduler = -1;

// The AICPU object's runner of units run here: the AICore object runs the
// unit on this thread, watched by the sweep.
void run_unit_here(int worker_id, uint64_t budget_ns, void (*on_timeout)(void*), void* context) {
    LaunchRun* run = t_run;
    if (run == nullptr) return;  // not a scheduler body: the runner is set for those only
    UnitHereSlot& slot = run->here[static_cast<size_t>(t_scheduler)];
    slot.on_timeout = on_timeout;
    slot.context = context;
    const int64_t budget = static_cast<int64_t>(budget_ns < (1ull << 62) ? budget_ns : 1ull << 62);
    slot.deadline_ns.store(now_ns() + budget, std::memory_order_relaxed);
    uint64_t idle = slot.state.load(std::memory_order_relaxed);
    // Taken over already (a unit before this one): the run is stopped.
    if (UnitHereSlot::code(idle) != UnitHereSlot::kIdle) return;
    const uint64_t unit = (idle & ~uint64_t{UnitHereSlot::kCodeMask}) + (UnitHereSlot::kCodeMask + 1);
    uint64_t running = unit | UnitHereSlot::kRunning;
    // Publishes the callback and deadline; pairs with the sweep's acquire
    // load. Only this thread moves the state out of idle.
    slot.state.store(running, std::memory_order_release);
    run->entry.aicore_run_here(run->launch_block, worker_id);
    if (slot.state.compare_exchange_strong(running, unit | UnitHereSlot::kIdle,
                                           std::memory_order_acq_rel)) {
        return;
    }
    // The sweep took this unit over: its call into the scheduling core
    // (a few stores and notifies, nothing that blocks) must end before the
    // core, on this thread's stack, may go. No deadline: leaving sooner
    // would free the core under that call.
    while (UnitHereSlot::code(slot.state.load(std::memory_order_acquire)) !=
           UnitHereSlot::kStopped) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
}

}  // namespace

void DeviceLaunches::start(uint64_t id, const DeviceLaunch& request,
                           const RuntimeEntryPoints& entry) {
    auto run = std::make_shared<LaunchRun>();
    run->id = id;
    run->socket = socket_;
    run->entry = entry;
    run->launch_block = reinterpret_cast<void*>(request.entry_argument);
    run->kernel_args.device_args = &run->device_args;
    run->kernel_args.runtime_args = run->launch_block;
    run->results.assign(static_cast<size_t>(request.aicpu_thread_num), 0);
    run->here = std::make_unique<UnitHereSlot[]>(static_cast<size_t>(request.aicpu_thread_num));
    entry.aicpu_set_idle_tuning(&request.idle);
    entry.aicpu_set_unit_runner(&run_unit_here);
    entry.aicore_set_idle_tuning(&request.idle);
    int rc = entry.aicpu_init(&run->kernel_args);
    if (rc != 0) {
        run->answer(rc, 0, DeviceLaunchPart::kInitKernel, "the AICPU init kernel");
        return;
    }

    cpu_set_t allowed;
    static_assert(sizeof request.allowed_cpus >= sizeof allowed, "CPU mask fits the request");
    __builtin_memcpy(&allowed, request.allowed_cpus, sizeof allowed);
    const int worker_count = request.block_dim * PLATFORM_CORES_PER_BLOCK;
    SimPlacement placement;
    sim_plan_placement(request.aicpu_thread_num, worker_count, request.place_threads != 0, allowed,
                       request.first_cpu, &placement);

    run->schedulers_left.store(request.aicpu_thread_num, std::memory_order_relaxed);
    run->bodies_left.store(request.aicpu_thread_num + worker_count, std::memory_order_relaxed);
    entry.install_fault_handlers();
    std::string start_error;
    bool ok = true;
    int started = 0;
    for (int w = 0; ok && w < worker_count; ++w) {
        int type = static_cast<int>(w < request.block_dim ? CoreType::AIC : CoreType::AIV);
        ok = run->workers.start(
            [run, w, type] {
                name_thread(type == static_cast<int>(CoreType::AIC) ? "aic" : "aiv");
                device_descriptors_set_kernel_hook(run->entry.fail_kernel);
                run->entry.aicore_entry(run->launch_block, w, type);
                device_descriptors_set_kernel_hook(nullptr);
            },
            placement.worker_cpu[static_cast<size_t>(w)], placement.allowed, &start_error, true,
            [run] { run->body_finished(); });
        started += ok;
    }
    for (int t = 0; ok && t < request.aicpu_thread_num; ++t) {
        ok = run->schedulers.start(
            [run, t] {
                name_thread("aicpu");
                t_run = run.get();
                t_scheduler = t;
                device_descriptors_set_kernel_hook(run->entry.fail_kernel);
                const int rc = run->entry.aicpu_server(&run->kernel_args);
                device_descriptors_set_kernel_hook(nullptr);
                t_run = nullptr;
                if (!run->taken_over(static_cast<size_t>(t))) {
                    run->results[static_cast<size_t>(t)] = rc;
                    run->scheduler_returned();
                }
            },
            placement.scheduler_cpu[static_cast<size_t>(t)], placement.allowed, &start_error, true,
            [run] { run->body_finished(); });
        started += ok;
    }
    sim_thread_pool_wake_held();
    if (!ok) {
        // Bodies that started wait for work that never comes: the host
        // stops the launch and ends this process.
        run->answer(PTO_ERR_DEVICE, started, DeviceLaunchPart::kDevice,
                    "starting the simulator's threads (" + start_error + ")");
        return;
    }
    running_.push_back(std::move(run));
}

int DeviceLaunches::sweep() {
    const int64_t now = now_ns();
    const int64_t grace =
        std::chrono::duration_cast<std::chrono::nanoseconds>(kWorkerExitGrace).count();
    running_.erase(std::remove_if(running_.begin(), running_.end(),
                                  [&](const std::shared_ptr<LaunchRun>& run) {
                                      if (run->answered.load(std::memory_order_acquire))
                                          return true;
                                      run->take_over_late_units(now);
                                      int64_t done =
                                          run->schedulers_done_ns.load(std::memory_order_acquire);
                                      if (done == 0 || now - done < grace) return false;
                                      run->answer_from_results(
                                          run->bodies_left.load(std::memory_order_acquire));
                                      return true;
                                  }),
                   running_.end());
    return running_.empty() ? -1 : kSweepEveryMs;
}
