// The simulator's launch backend: a launch runs in the device's process
// (simulated_device.h). The host loads the runtime's objects there once,
// sends the launch (the launch block's address in device memory, the
// thread counts, where the threads may run, the idle timings), and waits
// for the answer while watching progress in the launch block, which the
// host sees as it changes. A device process that ends meanwhile is reported
// with what it was running; one that does not stop is reset.
#include <sched.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>

#include "device_images.h"
#include "launch_backend.h"
#include "pto_status.h"
#include "runtime_images.h"
#include "short_slice.h"
#include "sim_devices.h"
#include "sim_fault_report.h"
#include "sim_kernel_registry.h"
#include "sim_settings.h"
#include "simulated_device.h"

namespace {

// The schedulers bound a run themselves; this much past their bound the host
// stops a run whose schedulers have not returned (a scheduler that never got
// a core, a bug) instead of waiting forever, and this long after that it
// ends the device process.
constexpr auto kSchedulerMargin = std::chrono::seconds(5);
constexpr auto kStopGrace = std::chrono::seconds(5);
// A run the device stopped itself: its schedulers return at once and the
// device answers a second later even with a worker stuck in a kernel, so a
// launch still unanswered after this has a runtime thread that will not
// return (an orchestration spinning in its own code).
constexpr auto kDeviceStopGrace = std::chrono::seconds(3);
constexpr auto kProgressPoll = std::chrono::milliseconds(100);

const char* const kResetRemedy =
    "the simulated device was reset to stop it (its process ended; the next launch starts a "
    "fresh one)";

class SimStartedLaunch final : public StartedLaunch {
public:
    SimulatedDevice* device = nullptr;
    SimulatedDevice::Ticket ticket;
    std::shared_ptr<RuntimeLaunch> launch;
    uint64_t timeout_ns = 0;
    // A worker never left its kernel: the process is ended once the launch
    // has been reported (the stall report reads the launch block first).
    bool reset_when_done = false;

    ~SimStartedLaunch() override {
        if (reset_when_done) {
            device->reset(ticket.generation,
                          "a worker did not leave its kernel after the run was stopped");
        }
    }
    int wait(LaunchEnd* end, char* message, size_t message_size) override;
    void describe_fault(const KernelFaultRecord& record, PtoKernelFault* fault, char* message,
                        size_t message_size) override;
};

int SimStartedLaunch::wait(LaunchEnd* end, char* message, size_t message_size) {
    const ShortSliceWhileWaiting slice;
    RuntimeLaunch& run = *launch;
    const auto bound = std::chrono::nanoseconds(timeout_ns) + kSchedulerMargin;
    uint64_t seen = ~0ull;
    auto since = DeviceClock::now();
    bool stopped_by_host = false;
    bool stopped_by_device = false;
    auto stop_seen = since;
    for (;;) {
        ReceivedMessage reply;
        DeviceDeath death;
        auto outcome = device->wait(ticket, DeviceClock::now() + kProgressPoll, &reply, &death);
        if (outcome == SimulatedDevice::Outcome::kLost) {
            end->device_lost = true;
            end->lost_cause = SimulatedDevice::describe_death(device->id(), death);
            end->lost_output = death.last_lines;
            if (death.has_last_words) {
                const DeviceLastWords& w = death.last_words;
                auto& place = end->end_place;
                place.known = true;
                place.exit_call = w.kind == static_cast<int32_t>(LastWordsKind::kExit);
                place.code = w.code;
                place.fault_address = w.fault_address;
                place.pc = w.pc;
                const uint32_t n = w.frame_count < kLastWordsFrames ? w.frame_count : kLastWordsFrames;
                place.frames.assign(w.frames, w.frames + n);
            }
            return PTO_ERR_DEVICE_LOST;
        }
        if (outcome == SimulatedDevice::Outcome::kReplied) {
            DeviceLaunchDone done{};
            if (!reply.payload_as(&done)) {
                std::snprintf(message, message_size, "device %d: malformed launch answer",
                              device->id());
                return PTO_ERR_DEVICE;
            }
            end->abandoned_workers = done.abandoned_workers;
            if (done.abandoned_workers > 0) {
                end->abandoned_remedy = kResetRemedy;
                reset_when_done = true;
            }
            if (done.status != 0 && run.status() == 0) {
                std::string what(done.message, strnlen(done.message, sizeof done.message));
                const auto part = static_cast<DeviceLaunchPart>(done.failed_part);
                const bool aicpu_code =
                    part == DeviceLaunchPart::kScheduler || part == DeviceLaunchPart::kInitKernel;
                if (done.status == PTO_ERR_DEVICE_LOST || !aicpu_code) {
                    std::snprintf(message, message_size, "simulated device %d: %s", device->id(),
                                  what.c_str());
                } else {
                    std::snprintf(message, message_size, "%s failed with %d (%s)", what.c_str(),
                                  done.status, pto_status_name(done.status));
                }
                return done.status;
            }
            return 0;
        }
        uint64_t done = run.progress_mark();
        auto now = DeviceClock::now();
        if (!stopped_by_host && !stopped_by_device && run.status() != 0) {
            // The device stopped the run itself (a stall it measured, a
            // fault): its threads return within the grace, or it is reset.
            stopped_by_device = true;
            stop_seen = now;
        }
        if (stopped_by_device && now - stop_seen > kDeviceStopGrace) {
            device->abandon(ticket);
            device->reset(ticket.generation, "a thread did not return after the run was stopped");
            end->unreturned_remedy = kResetRemedy;
            return 0;
        }
        if (done != seen) {
            seen = done;
            since = now;
        } else if (!stopped_by_host && now - since > bound) {
            run.abort(PTO_ERR_TIMEOUT);
            stopped_by_host = true;
            since = now;
        } else if (stopped_by_host && now - since > kStopGrace) {
            device->abandon(ticket);
            device->reset(ticket.generation,
                          "its schedulers did not return after the run was stopped");
            std::snprintf(message, message_size,
                          "the run made no progress for %.1f s and the simulated device's "
                          "schedulers did not return when it was stopped; %s",
                          std::chrono::duration<double>(bound).count(), kResetRemedy);
            return PTO_ERR_DEVICE;
        }
    }
}

void SimStartedLaunch::describe_fault(const KernelFaultRecord& record, PtoKernelFault* fault,
                                      char* message, size_t message_size) {
    DeviceDescribeAddress query{record.pc, record.kernel_entry};
    DeviceAddress where{};
    ReceivedMessage reply;
    char ignored[512];
    bool known = device->call(DeviceRequest::kDescribeAddress, &query, sizeof query, nullptr, 0,
                              "describing a kernel fault", &reply, ignored, sizeof ignored) == 0 &&
                 reply.payload_as(&where);
    sim_describe_fault(record, known ? &where : nullptr, fault, message, message_size);
}

class SimLaunchBackend final : public LaunchBackend {
public:
    int check_device(int device_id, char* message, size_t message_size) override {
        return sim_device(device_id).ensure_running(message, message_size);
    }
    int kernel_entry(int device_id, int func_id, uint64_t* entry,
                     std::shared_ptr<const void>* keep_alive, char* message,
                     size_t message_size) override {
        return sim_kernel_entry(device_id, func_id, entry, keep_alive, message, message_size);
    }
    std::vector<int32_t> registered_func_ids(int) override { return sim_registered_func_ids(); }
    int start(const std::shared_ptr<RuntimeLaunch>& launch, const LaunchParams& params,
              std::unique_ptr<StartedLaunch>* out, char* message, size_t message_size) override;
};

int SimLaunchBackend::start(const std::shared_ptr<RuntimeLaunch>& launch,
                            const LaunchParams& params, std::unique_ptr<StartedLaunch>* out,
                            char* message, size_t message_size) {
    SimSettings settings;
    int rc = sim_read_settings(&settings, message, message_size);
    if (rc != 0) return rc;
    RuntimeImage image;
    if ((rc = runtime_image_for(params.aicpu_bin, params.aicpu_size, params.aicore_bin,
                                params.aicore_size, &image, message, message_size)) != 0) {
        return rc;
    }
    SimulatedDevice& device = sim_device(params.device_id);
    if ((rc = device.ensure_runtime(image, message, message_size)) != 0) return rc;

    DeviceLaunch request{};
    request.runtime_id = image.id;
    request.entry_argument = reinterpret_cast<uint64_t>(launch->entry_argument());
    request.kernel_table = launch->kernel_table();
    request.kernel_count = static_cast<uint32_t>(launch->kernel_count());
    request.aicpu_thread_num = params.aicpu_thread_num;
    request.block_dim = params.block_dim;
    request.place_threads = settings.place_threads ? 1 : 0;
    request.idle = settings.idle;
    // The device's threads run where this thread may, handed out from the
    // CPU it runs on.
    cpu_set_t allowed;
    CPU_ZERO(&allowed);
    if (sched_getaffinity(0, sizeof allowed, &allowed) != 0) {
        for (int c = 0; c < CPU_SETSIZE; ++c) CPU_SET(c, &allowed);
    }
    std::memcpy(request.allowed_cpus, &allowed, sizeof allowed);
    request.first_cpu = sched_getcpu();

    auto started = std::make_unique<SimStartedLaunch>();
    started->device = &device;
    started->launch = launch;
    started->timeout_ns = params.timeout_ns;
    rc = device.send(DeviceRequest::kLaunch, &request, sizeof request, nullptr, 0, &started->ticket,
                     message, message_size);
    if (rc != 0) return rc;
    *out = std::move(started);
    return 0;
}

}  // namespace

LaunchBackend& platform_launch_backend() {
    static SimLaunchBackend* backend = new SimLaunchBackend;
    return *backend;
}
