#include "launch_driver.h"

#include <signal.h>

#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "export.h"
#include "kernel_names.h"
#include "launch_config.h"
#include "pto_status.h"

namespace {

thread_local bool t_has_fault = false;
thread_local PtoKernelFault t_fault;

// Releases the handle's claim on every path out of a launch; finish()
// returns the launch's final status (the runtime may turn a pass into a
// misuse it saw meanwhile, and says so in the message).
class HandleClaim {
public:
    HandleClaim(void* handle, std::shared_ptr<RuntimeLaunch> launch, char* message,
                size_t message_size)
        : handle_(handle), launch_(std::move(launch)), message_(message),
          message_size_(message_size) {}
    ~HandleClaim() {
        if (finished_) return;
        char ignored[64];
        runtime_host_end_launch(handle_, launch_, PTO_ERR_DEVICE, ignored, sizeof ignored);
    }
    HandleClaim(const HandleClaim&) = delete;
    HandleClaim& operator=(const HandleClaim&) = delete;
    int finish(int status) {
        finished_ = true;
        return runtime_host_end_launch(handle_, launch_, status, message_, message_size_);
    }

private:
    void* handle_;
    std::shared_ptr<RuntimeLaunch> launch_;
    char* message_;
    size_t message_size_;
    bool finished_ = false;
};

int resolve_kernels(LaunchBackend& backend, RuntimeLaunch& launch, int device_id, char* message,
                    size_t message_size) {
    for (int slot = 0; slot < launch.kernel_count(); ++slot) {
        int func_id = launch.kernel_func_id(slot);
        uint64_t entry = 0;
        std::shared_ptr<const void> keep;
        int rc = backend.kernel_entry(device_id, func_id, &entry, &keep, message, message_size);
        if ((rc == PTO_ERR_UNREGISTERED_KERNEL || (rc == 0 && entry == 0)) &&
            launch.first_task_of_kernel(slot) < 0) {
            std::snprintf(message, message_size,
                          "func_id %d was registered, but its kernel has no entry on the device",
                          func_id);
            return PTO_ERR_UNREGISTERED_KERNEL;
        }
        if (rc == PTO_ERR_UNREGISTERED_KERNEL || (rc == 0 && entry == 0)) {
            std::snprintf(message, message_size,
                          "task %d uses func_id %d, which has no registered kernel; register it "
                          "(kernel_config.py KERNELS) before launching",
                          launch.first_task_of_kernel(slot), func_id);
            return PTO_ERR_UNREGISTERED_KERNEL;
        }
        if (rc != 0) return rc;
        launch.set_kernel_entry(slot, entry);
        if (keep) launch.hold(std::move(keep));
        const int core_type = kernel_core_type(func_id);
        if (core_type >= 0 &&
            (rc = launch.set_kernel_core_type(slot, core_type, message, message_size)) != 0) {
            return rc;
        }
    }
    return 0;
}

// "task 3 (func_id 1, add.cpp) on worker 4, ..." for the tasks the launch
// had running; "none" when it had none.
std::string running_tasks_text(const RuntimeLaunch& launch) {
    // Up to two units per worker: the running one and the one queued behind.
    std::vector<RunningTask> running(2 * static_cast<size_t>(launch.worker_count()));
    running.resize(static_cast<size_t>(
        launch.running_tasks(running.data(), static_cast<int>(running.size()))));
    if (running.empty()) return "none";
    std::string text;
    for (const RunningTask& t : running) {
        const char* name = kernel_name(t.func_id);
        char one[256];
        std::snprintf(one, sizeof one, "%stask %d (func_id %d%s%s) on worker %d%s",
                      text.empty() ? "" : ", ", t.task_id, t.func_id, name ? ", " : "",
                      name ? name : "", t.worker_id, t.started ? "" : " (not yet entered)");
        text += one;
    }
    return text;
}

// "SIGSEGV" for SIGSEGV.
std::string signal_text(int sig) {
    const char* abbrev = sigabbrev_np(sig);
    return abbrev != nullptr ? std::string("SIG") + abbrev : "signal " + std::to_string(sig);
}

// The orchestration's part in a lost device, for a runtime whose
// orchestration runs there: "" when it had none; else which code of it was
// on the ending thread (the faulting instruction, or the innermost return
// address, e.g. of its exit() or abort() call), then filed as the launch's
// fault (task -1) so a runner can name the source line.
std::string orchestration_part(const RuntimeLaunch& launch, const LaunchEnd& end) {
    OrchestrationState orch;
    if (!launch.orchestration_state(&orch)) return "";
    const auto& where = end.end_place;
    const auto in_object = [&](uint64_t a) {
        return orch.object_end > orch.object_begin && a >= orch.object_begin && a < orch.object_end;
    };
    uint64_t at = 0;
    bool instruction = false;
    if (where.known && where.pc != 0 && in_object(where.pc)) {
        at = where.pc;
        instruction = true;
    } else if (where.known) {
        for (uint64_t f : where.frames) {
            if (in_object(f)) {
                at = f;
                break;
            }
        }
    }
    const std::string name = launch.orchestration_name();
    char text[512];
    if (at == 0) {
        if (!orch.running) return "";
        std::snprintf(text, sizeof text,
                      "; the orchestration %s was running then (%" PRIu64 " tasks submitted)",
                      name.c_str(), orch.submitted);
        return text;
    }
    // A return address is the instruction after the call: one byte back
    // lies in the call, whose line is the one to name.
    const uint64_t offset = at - orch.object_base - (instruction ? 0 : 1);
    std::string what = where.exit_call       ? "exit() was called"
                       : where.code == SIGABRT ? "abort() was called"
                                               : signal_text(where.code) + " came";
    if (instruction && (where.code == SIGSEGV || where.code == SIGBUS)) {
        char address[48];
        std::snprintf(address, sizeof address, " (data address 0x%" PRIx64 ")", where.fault_address);
        what += address;
    }
    std::snprintf(text, sizeof text,
                  "; %s from the orchestration %s, at offset 0x%" PRIx64
                  " of its object (%" PRIu64 " tasks submitted)",
                  what.c_str(), name.c_str(), offset, orch.submitted);
    PtoKernelFault fault;
    std::memset(&fault, 0, sizeof fault);
    fault.task_id = -1;
    fault.func_id = -1;
    fault.worker_id = -1;
    fault.signal = where.exit_call ? 0 : where.code;
    fault.in_kernel_object = 1;
    fault.pc_offset = offset;
    fault.fault_address = instruction ? where.fault_address : 0;
    std::snprintf(fault.signal_name, sizeof fault.signal_name, "%s",
                  where.exit_call ? "exit" : signal_text(where.code).c_str());
    std::snprintf(fault.object_path, sizeof fault.object_path, "orchestration %s", name.c_str());
    set_last_kernel_fault(&fault);
    return text;
}

// The device went away during the launch: how, what it was running then
// (from the launch block, which lives in memory the device did not take
// along), and the last lines it wrote.
int explain_lost_device(const RuntimeLaunch& launch, const LaunchEnd& end, char* message,
                        size_t message_size) {
    std::string text = end.lost_cause + " during the launch" + orchestration_part(launch, end) +
                       "; tasks running then: " + running_tasks_text(launch) +
                       "; outputs were not copied back; the next launch starts a fresh device";
    if (!end.lost_output.empty()) {
        text += "; its last lines on stderr:";
        // The most recent few: all of them were shown as they came.
        size_t from = end.lost_output.size() > 6 ? end.lost_output.size() - 6 : 0;
        for (size_t i = from; i < end.lost_output.size(); ++i)
            text += "\n    " + end.lost_output[i];
    }
    std::snprintf(message, message_size, "%s", text.c_str());
    return PTO_ERR_DEVICE_LOST;
}

// The runtime's stall report as text, each line indented under the error.
std::string stall_report_text(const RuntimeLaunch& launch) {
    char* buffer = nullptr;
    size_t size = 0;
    FILE* out = open_memstream(&buffer, &size);
    if (out == nullptr) return "  (no memory for the stall report)";
    launch.report_stall(out, kernel_name);
    std::fclose(out);
    std::string text;
    const char* line = buffer;
    while (line != nullptr && *line != '\0') {
        const char* end = std::strchr(line, '\n');
        std::string one(line, end ? static_cast<size_t>(end - line) : std::strlen(line));
        if (one.rfind("[pto] ", 0) == 0) one.erase(0, 6);
        if (!text.empty()) text += '\n';
        text += "  " + one;
        line = end ? end + 1 : nullptr;
    }
    std::free(buffer);
    return text;
}

int explain_stop(StartedLaunch& started, const RuntimeLaunch& launch, char* message,
                 size_t message_size);

// How the launch ended, in words, once its block is back on the host.
int explain(StartedLaunch& started, const RuntimeLaunch& launch, const LaunchParams& params,
            const LaunchEnd& end, char* message, size_t message_size) {
    int status = launch.status();
    std::string remedy = end.abandoned_workers > 0 && !end.abandoned_remedy.empty()
                             ? "; " + end.abandoned_remedy
                             : "";
    if (!end.unreturned_remedy.empty()) {
        remedy += "; a thread of the runtime did not return when the run was stopped (the stall "
                  "report says which), so " +
                  end.unreturned_remedy;
    }
    if (status == PTO_ERR_TIMEOUT) {
        // The report is part of the error (pto_last_error), not a side
        // channel: a caller that is not a terminal gets it too.
        std::snprintf(message, message_size,
                      "the run made no progress for %.1f s and was stopped%s%s; stall report:\n%s",
                      params.timeout_ns / 1e9,
                      end.abandoned_workers > 0 ? "; a worker was still inside its kernel" : "",
                      remedy.c_str(), stall_report_text(launch).c_str());
        return status;
    }
    if (status == 0 && end.abandoned_workers > 0) {
        std::snprintf(message, message_size, "%d worker(s) did not stop after the run%s",
                      end.abandoned_workers, remedy.c_str());
        return PTO_ERR_DEVICE;
    }
    if (status != 0 && !end.unreturned_remedy.empty()) {
        // Whatever stopped the run, the device did not come back from it.
        std::string why(message_size + 1, '\0');
        explain_stop(started, launch, &why[0], why.size());
        std::snprintf(message, message_size, "%s%s", why.c_str(), remedy.c_str());
        return status;
    }
    return explain_stop(started, launch, message, message_size);
}

// A run stopped by the device (a fault, an error it reported), in words.
int explain_stop(StartedLaunch& started, const RuntimeLaunch& launch, char* message,
                 size_t message_size) {
    int status = launch.status();
    if (status == PTO_ERR_KERNEL_FAULT) {
        KernelFaultRecord record{};
        if (launch.find_fault(&record)) {
            PtoKernelFault fault;
            std::memset(&fault, 0, sizeof fault);
            started.describe_fault(record, &fault, message, message_size);
            set_last_kernel_fault(&fault);
        } else {
            std::snprintf(message, message_size, "a kernel faulted, but no worker recorded it");
        }
        return status;
    }
    if (status != 0 && launch.describe_failure(message, message_size)) return status;
    if (status != 0) {
        std::snprintf(message, message_size, "AICPU scheduler failed with %d (%s)", status,
                      pto_status_name(status));
        return status;
    }
    return 0;
}

}  // namespace

void set_last_kernel_fault(const PtoKernelFault* fault) {
    t_has_fault = fault != nullptr;
    if (fault) t_fault = *fault;
}

extern "C" PTO_EXPORT int pto_last_kernel_fault(PtoKernelFault* out) {
    if (!t_has_fault || out == nullptr) return PTO_ERR_NOT_INITIALIZED;
    *out = t_fault;
    return 0;
}

int run_launch(void* handle, const LaunchParams& params, char* message, size_t message_size) {
    set_last_kernel_fault(nullptr);
    int rc = runtime_host_check_launch_config(params.aicpu_thread_num, params.block_dim, message,
                                              message_size);
    if (rc != 0) return rc;
    if (params.device_id < 0) {
        std::snprintf(message, message_size, "launch_runtime: device id %d is negative",
                      params.device_id);
        return PTO_ERR_INVALID_ARGUMENT;
    }
    if (!runtime_host_is_initialized(handle)) {
        std::snprintf(message, message_size, "launch_runtime: call init_runtime first");
        return PTO_ERR_NOT_INITIALIZED;
    }
    LaunchBackend& backend = platform_launch_backend();
    if ((rc = backend.check_device(params.device_id, message, message_size)) != 0) return rc;

    std::shared_ptr<RuntimeLaunch> launch;
    std::vector<int32_t> registered = backend.registered_func_ids(params.device_id);
    RuntimeLaunchSettings settings{params.aicpu_thread_num, params.block_dim, params.timeout_ns,
                                   registered.data(), static_cast<int>(registered.size())};
    rc = runtime_host_begin_launch(handle, settings, &launch, message, message_size);
    if (rc != 0) return rc;
    HandleClaim claim(handle, launch, message, message_size);

    if ((rc = resolve_kernels(backend, *launch, params.device_id, message, message_size)) != 0) {
        return claim.finish(rc);
    }
    DeviceBlocks& blocks = platform_device_blocks();
    if ((rc = blocks.publish(launch->block(), message, message_size)) != 0) {
        return claim.finish(rc);
    }
    std::unique_ptr<StartedLaunch> started;
    if ((rc = backend.start(launch, params, &started, message, message_size)) != 0) {
        return claim.finish(rc);
    }
    LaunchEnd end;
    int wait_rc = started->wait(&end, message, message_size);
    if (end.device_lost) {
        char ignored[256];
        blocks.collect(launch->block(), ignored, sizeof ignored);
        return claim.finish(explain_lost_device(*launch, end, message, message_size));
    }
    if (wait_rc != 0) return claim.finish(wait_rc);
    if ((rc = blocks.collect(launch->block(), message, message_size)) != 0) {
        return claim.finish(rc);
    }
    return claim.finish(explain(*started, *launch, params, end, message, message_size));
}
