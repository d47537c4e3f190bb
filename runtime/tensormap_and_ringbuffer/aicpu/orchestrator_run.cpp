// Running the orchestration: load its object, check its arguments, bind the
// API's thread-local runtime to this thread, call the entry inside the outer
// scope, and mark the orchestration done.
#include <dlfcn.h>

#include <cinttypes>
#include <cstdio>
#include <exception>

#include "event_count.h"
#include "launch_stop.h"
#include "orchestration_object.h"
#include "orchestrator.h"
#include "orchestrator_internal.h"
#include "pto_status.h"
#include "task_lifecycle.h"
#include "time_source.h"

namespace {

Orchestrator* self(void* rt) {
    return static_cast<Orchestrator*>(rt);
}

TaskOutputTensors op_submit(void* rt, const MixedKernels* mk, const CoreTaskArgs* args,
                            int32_t dummy) {
    return self(rt)->submit(*mk, *args, dummy != 0);
}
TaskOutputTensors op_alloc(void* rt, const TensorCreateInfo* infos, int32_t count) {
    return self(rt)->alloc(infos, count);
}
void op_scope_begin(void* rt, PTO2ScopeMode mode) {
    self(rt)->scope_begin(mode);
}
void op_scope_end(void* rt) {
    self(rt)->user_scope_end();
}
int32_t op_read(void* rt, const ChipTensor* t, uint64_t element, void* value) {
    return self(rt)->read_element(*t, element, value);
}
int32_t op_write(void* rt, const ChipTensor* t, uint64_t element, const void* value) {
    return self(rt)->write_element(*t, element, value);
}
void op_log(void* rt, int32_t level, const char* fmt, va_list args) {
    self(rt)->log(level, fmt, args);
}
void op_fatal(void* rt, int32_t code, const char* fmt, va_list args) {
    char text[1024];
    std::vsnprintf(text, sizeof text, fmt, args);
    self(rt)->fatal(PTO2_ERROR_EXPLICIT_ORCH_FATAL, "the orchestration reported code %d: %s", code,
                    text);
}
int32_t op_failed(void* rt) {
    return self(rt)->failed() ? 1 : 0;
}
int32_t op_outputs_held(void* rt, PTO2TaskId id) {
    return self(rt)->outputs_held(id.raw) ? 1 : 0;
}
int32_t op_available(void* rt, int32_t what) {
    return self(rt)->available(what);
}
void op_foreign_call(void* rt, const char* call) {
    self(rt)->foreign_call(call);
}

const PTO2RuntimeOps kOps = {
    PTO2_RUNTIME_OPS_ABI,
    sizeof(PTO2RuntimeOps),
    op_submit,
    op_alloc,
    op_scope_begin,
    op_scope_end,
    op_read,
    op_write,
    op_log,
    op_fatal,
    op_failed,
    op_outputs_held,
    op_available,
    op_foreign_call,
};

using BindFn = uint32_t (*)(const PTO2RuntimeOps*, void*);
using ReleaseFn = void (*)();
using ThreadsStartedFn = uint64_t (*)();

// How many threads this thread has started, where the platform counts them
// (the simulator's device program); ~0 where it does not.
uint64_t threads_started_here() {
    static const auto counter =
        reinterpret_cast<ThreadsStartedFn>(dlsym(RTLD_DEFAULT, "pto_sim_threads_started_here"));
    return counter != nullptr ? counter() : ~0ull;
}
using ConfigFn = PTO2OrchestrationConfig (*)(const ChipTaskArgs&);
using EntryFn = void (*)(const ChipTaskArgs&);

}  // namespace

int Orchestrator::run() {
    TmLaunchBlock* b = v_.block;
    b->orch_start_ns.store(pto_now_ns(), std::memory_order_release);
    const auto& args = *reinterpret_cast<const ChipTaskArgs*>(b->orch_args);
    OrchestrationObject& object = object_;
    char reason[512];
    auto finish = [&] {
        b->orch_end_ns.store(pto_now_ns(), std::memory_order_release);
        b->orch_wait_ns.store(wait_ns_, std::memory_order_relaxed);
        // Publishes the final submitted count; pairs with the schedulers'
        // acquire load of orchestration_done.
        b->orchestration_done.store(1, std::memory_order_release);
        lifecycle::ring_schedulers(v_);
    };
    if (object.load(reinterpret_cast<const void*>(b->orch_object), b->orch_object_size, reason,
                    sizeof reason) != 0) {
        fatal(PTO2_ERROR_INVALID_ARGS, "%s", reason);
        finish();
        return PTO_ERR_ORCHESTRATION;
    }
    uint64_t base = 0, begin = 0, end = 0;
    if (object.loaded_range(&base, &begin, &end)) {
        b->orch_object_base.store(base, std::memory_order_relaxed);
        b->orch_object_begin.store(begin, std::memory_order_relaxed);
        // Pairs with the host's acquire load of orch_object_end (read only
        // after the device is gone, so any order would do; this one is stated).
        b->orch_object_end.store(end, std::memory_order_release);
    }
    auto bind = reinterpret_cast<BindFn>(object.symbol("pto2_orchestration_bind"));
    auto entry = reinterpret_cast<EntryFn>(object.symbol(b->entry_name));
    auto config = reinterpret_cast<ConfigFn>(object.symbol("aicpu_orchestration_config"));
    if (entry == nullptr || bind == nullptr) {
        fatal(PTO2_ERROR_INVALID_ARGS,
              "the orchestration object has no %s; a tensormap_and_ringbuffer orchestration "
              "includes \"pto_orchestration_api.h\" and defines extern \"C\" void %s(const "
              "ChipTaskArgs&)",
              entry == nullptr
                  ? b->entry_name
                  : "pto2_orchestration_bind (it does not include pto_orchestration_api.h)",
              b->entry_name);
        finish();
        return PTO_ERR_ORCHESTRATION;
    }
    release_binding_ = reinterpret_cast<ReleaseFn>(object.symbol("pto2_orchestration_release"));
    if (release_binding_ == nullptr || bind(&kOps, this) != PTO2_RUNTIME_OPS_ABI) {
        fatal(PTO2_ERROR_INVALID_ARGS,
              "the orchestration was built against another version of pto_orchestration_api.h; "
              "rebuild it");
        finish();
        return PTO_ERR_ORCHESTRATION;
    }
    uint32_t given = args.tensor_count() + args.scalar_count();
    if (config != nullptr) {
        PTO2OrchestrationConfig c = config(args);
        if (c.expected_arg_count >= 0 && static_cast<uint32_t>(c.expected_arg_count) != given) {
            fatal(PTO2_ERROR_INVALID_ARGS,
                  "aicpu_orchestration_config expects %d arguments and the host gave %u (%u "
                  "tensors, %u scalars); check golden.py's generate_inputs against the "
                  "orchestration",
                  c.expected_arg_count, given, args.tensor_count(), args.scalar_count());
            bind(nullptr, nullptr);
            finish();
            return PTO_ERR_ORCHESTRATION;
        }
    }
    bound_ = true;
    const uint64_t threads_before = threads_started_here();
    scope_begin(PTO2ScopeMode::AUTO);
    try {
        entry(args);
    } catch (const std::exception& e) {
        fatal(PTO2_ERROR_EXPLICIT_ORCH_FATAL, "the orchestration threw: %s", e.what());
    } catch (...) {
        fatal(PTO2_ERROR_EXPLICIT_ORCH_FATAL,
              "the orchestration threw an exception that is not a std::exception");
    }
    // A guard closes its scope however the entry leaves it; what is still
    // open was begun with rt_scope_begin and never ended. They end here with
    // the outer one, and the run fails naming the call.
    if (depth_ > 1 && !failed()) {
        fatal(PTO2_ERROR_INVALID_ARGS,
              "the orchestration returned with %u scope(s) it began with rt_scope_begin() still "
              "open; end each with rt_scope_end() (or use PTO2_SCOPE / PTO2_SCOPE_GUARD)",
              depth_ - 1);
    }
    while (depth_ > 0) scope_end();
    // This thread's calls do nothing now; another thread's are reported as
    // made after the return until release().
    entry_returned_.store(true, std::memory_order_release);
    bind(nullptr, nullptr);
    finish();
    // A thread the entry started may still be running, and calling: then
    // the object and its binding stay until the run ends; else they go now.
    keeps_object_ = threads_started_here() != threads_before;
    if (!keeps_object_) release();
    return failed() ? b->abort_status.load(std::memory_order_acquire) : 0;
}

void Orchestrator::foreign_call(const char* call) {
    // release: pairs with the acquire load in release().
    foreign_seen_.store(true, std::memory_order_release);
    TmLaunchBlock* b = v_.block;
    int32_t none = 0;
    // The first fatal wins its message; pairs with the host's acquire load
    // of fatal_code after the launch.
    if (b->fatal_code.compare_exchange_strong(none, PTO2_ERROR_INVALID_ARGS,
                                              std::memory_order_acq_rel)) {
        b->fatal_func_id = 0;
        // acquire: pairs with the release store when the entry returned.
        const bool returned = entry_returned_.load(std::memory_order_acquire);
        std::snprintf(b->fatal_message, kFatalMessageBytes,
                      "INVALID_ARGS: %s was called from a thread the orchestration started, %s; "
                      "the runtime takes calls from the orchestration's own thread only: make "
                      "them there, and join the threads before the entry returns",
                      call,
                      returned ? "after the orchestration had returned"
                               : "while the orchestration ran");
        stop_launch(LaunchStopFields{b->abort_status, b->stall_ns, b->stopped_ns},
                    PTO_ERR_ORCHESTRATION, 0);
    }
    lifecycle::ring_schedulers(v_);
    pto_notify(&b->orchestrator_bell.bell);
}

void Orchestrator::wait_for_run_end() {
    TmLaunchBlock* b = v_.block;
    EventCount& bell = b->orchestrator_bell.bell;
    IdleBackoff backoff(WaiterRole::kScheduler);
    for (;;) {
        const WaitKey key = bell.prepare_wait();
        if (b->abort_status.load(std::memory_order_acquire) != 0) return;
        // The last completion rings this bell (RingPolicy::add_completed).
        if (b->completed.load(std::memory_order_acquire) >=
            b->submitted.load(std::memory_order_acquire)) {
            return;
        }
        pto_commit_wait(&bell, key, &backoff, orch_detail::kMaxParkNs);
    }
}

void Orchestrator::release() {
    if (bound_) {
        if (release_binding_ != nullptr) release_binding_();
        bound_ = false;
    }
    // A thread that called from outside may still be returning through the
    // object's code: that object stays loaded.
    if (foreign_seen_.load(std::memory_order_acquire)) {
        object_.keep_loaded();
        return;
    }
    object_.unload();
}

Orchestrator::~Orchestrator() {
    release();
}
