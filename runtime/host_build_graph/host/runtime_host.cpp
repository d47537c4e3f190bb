// host_build_graph's handle functions: init_runtime (load and run the
// orchestration, freeze the graph), finalize_runtime (copy outputs back,
// release), and claiming the handle for launches.
//
// A failed init leaves nothing behind: the orchestration object is closed,
// what it allocated is freed, and the handle is as it was.
#include <cxxabi.h>

#include <atomic>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <new>
#include <string>
#include <typeinfo>
#include <vector>

#include "exit_watch.h"
#include "orchestration_name.h"
#include "host_launch.h"
#include "launch_config.h"
#include "pto_status.h"
#include "runtime_host_interface.h"
#include "runtime_session.h"

// Fills the private fields of the Runtime handle in the caller's memory.
struct RuntimeHandleAccess {
    static constexpr uint64_t kMagic = 0x5054'4f52'544d'4532ull;  // "PTORTME2"

    static Runtime* attach(void* memory, RuntimeSession* session) {
        auto* rt = new (memory) Runtime();
        rt->ops_ = &runtime_ops();
        rt->session_ = session;
        rt->magic_ = kMagic;
        rt->host_api = session_host_api();
        return rt;
    }
    // The caller's memory reads as a handle never initialised afterwards,
    // so a stale Runtime* fails its checks. Cleared after the destructor:
    // stores to an object about to die may be dropped by the compiler (GCC's
    // lifetime dead-store elimination did), stores to the caller's memory not.
    static void detach(void* memory) {
        static_cast<Runtime*>(memory)->~Runtime();
        std::memset(memory, 0, sizeof(Runtime));
    }
};

namespace {

using OrchestrationFn = int (*)(Runtime* rt, uint64_t* args, int arg_count);

std::atomic<int> g_max_tasks{RUNTIME_DEFAULT_MAX_TASKS};
std::atomic<int> g_max_successors{RUNTIME_DEFAULT_MAX_SUCCESSORS};
std::atomic<int> g_max_args{RUNTIME_DEFAULT_MAX_ARGS};

std::string type_name(const std::type_info& type) {
    int status = 0;
    char* demangled = abi::__cxa_demangle(type.name(), nullptr, nullptr, &status);
    std::string name = status == 0 && demangled ? demangled : type.name();
    std::free(demangled);
    return name;
}

// Runs the orchestration on this thread; the message says how it failed.
int run_orchestration(OrchestrationFn fn, Runtime* rt, RuntimeSession& s, uint64_t* args,
                      int arg_count, char* message, size_t message_size) {
    const char* name = s.orchestration_name.c_str();
    int orch_rc = 0;
    // An orchestration may initialise another handle itself: that one's
    // orchestration runs nested, and this one's building resumes after it.
    RuntimeSession* outer = building_session();
    set_building_session(&s);
    OrchestrationExitWatch exit_watch(("orchestration " + s.orchestration_name).c_str());
    try {
        orch_rc = fn(rt, args, arg_count);
    } catch (const std::exception& e) {
        set_building_session(outer);
        std::snprintf(message, message_size, "orchestration %s threw %s: %s", name,
                      type_name(typeid(e)).c_str(), e.what());
        return PTO_ERR_ORCHESTRATION;
    } catch (...) {
        set_building_session(outer);
        std::type_info* type = abi::__cxa_current_exception_type();
        std::snprintf(message, message_size,
                      "orchestration %s threw %s (not a std::exception, so no message)", name,
                      type ? type_name(*type).c_str() : "an exception");
        return PTO_ERR_ORCHESTRATION;
    }
    set_building_session(outer);

    const GraphBuilder& b = *s.builder;
    if (s.misuse_count() > 0) {
        std::snprintf(message, message_size,
                      "orchestration %s: %s was called from a thread other than the one running "
                      "the orchestration (%d such call(s)); build the graph on the "
                      "orchestration function's own thread",
                      name, s.first_misuse().c_str(), s.misuse_count());
        return PTO_ERR_INVALID_GRAPH;
    }
    if (!s.fail_message.empty()) {
        std::snprintf(message, message_size, "orchestration %s failed: %s", name,
                      s.fail_message.c_str());
        return PTO_ERR_ORCHESTRATION;
    }
    if (b.error() != 0) {
        std::snprintf(message, message_size, "orchestration %s: %s", name,
                      b.error_message().c_str());
        return b.error();
    }
    if (orch_rc != 0) {
        std::snprintf(message, message_size, "orchestration function %s returned %d%s%s", name,
                      orch_rc, s.memory_error.empty() ? "" : "; its last device memory error: ",
                      s.memory_error.c_str());
        return PTO_ERR_ORCHESTRATION;
    }
    // An output freed after it was recorded cannot be copied back.
    for (size_t i = 0; i < s.pairs.size(); ++i) {
        const TensorPair& p = s.pairs[i];
        if (!device_allocation_live(p.allocation.base, p.allocation.id)) {
            std::snprintf(message, message_size,
                          "orchestration %s: tensor pair %zu (device 0x%" PRIx64
                          ", %zu bytes) was freed after record_tensor_pair recorded it; free "
                          "outputs only after finalize_runtime (it frees them for you)",
                          name, i, reinterpret_cast<uint64_t>(p.dev_ptr), p.size);
            return PTO_ERR_INVALID_GRAPH;
        }
    }
    return 0;
}

}  // namespace

int runtime_host_check_launch_config(int threads, int block_dim, char* message,
                                     size_t message_size) {
    // Every AICPU thread schedules.
    return check_launch_config(threads, block_dim, message, message_size);
}

size_t runtime_host_size() {
    return sizeof(Runtime);
}

int runtime_host_set_graph_limits(int max_tasks, int max_successors, int max_args, char* message,
                                  size_t message_size) {
    char reason[160];
    if (graph_limits_invalid(max_tasks, max_successors, max_args, reason, sizeof reason)) {
        std::snprintf(message, message_size, "pto_set_graph_limits: %s", reason);
        return PTO_ERR_INVALID_ARGUMENT;
    }
    g_max_tasks.store(max_tasks);
    g_max_successors.store(max_successors);
    g_max_args.store(max_args);
    return 0;
}

bool runtime_host_is_initialized(void* handle) {
    return session_of(handle) != nullptr;
}

int runtime_host_init(void* handle, const uint8_t* orch_so, size_t orch_so_size,
                      const char* orch_func_name, uint64_t* func_args, int func_args_count,
                      char* message, size_t message_size) {
    if (handle == nullptr) {
        std::snprintf(message, message_size, "init_runtime: runtime handle is null");
        return PTO_ERR_INVALID_ARGUMENT;
    }
    if (orch_func_name == nullptr || *orch_func_name == '\0') {
        std::snprintf(message, message_size, "init_runtime: orchestration function name is empty");
        return PTO_ERR_INVALID_ARGUMENT;
    }
    if (func_args_count < 0 || (func_args_count > 0 && func_args == nullptr)) {
        std::snprintf(message, message_size, "init_runtime: %d arguments but no argument array",
                      func_args_count);
        return PTO_ERR_INVALID_ARGUMENT;
    }
    if (reinterpret_cast<uintptr_t>(handle) % alignof(Runtime) != 0) {
        std::snprintf(message, message_size,
                      "init_runtime: the handle %p is not aligned to %zu bytes; allocate "
                      "get_runtime_size() bytes with at least that alignment (malloc does)",
                      handle, alignof(Runtime));
        return PTO_ERR_INVALID_ARGUMENT;
    }

    GraphLimits limits{g_max_tasks.load(), g_max_successors.load(), g_max_args.load()};
    auto session = std::make_shared<RuntimeSession>(limits);
    session->orchestration_name = orchestration_display_name(orch_func_name);
    if (const void* live = register_session(handle, session)) {
        if (live == handle) {
            std::snprintf(message, message_size,
                          "init_runtime: this handle is already initialised%s; call "
                          "finalize_runtime first",
                          session_of(handle) && !frozen_session_of(handle)
                              ? " (its init_runtime is still running)"
                              : "");
        } else {
            std::snprintf(message, message_size,
                          "init_runtime: the handle %p overlaps the live handle %p; each handle "
                          "needs get_runtime_size() (%zu) bytes of its own",
                          handle, live, sizeof(Runtime));
        }
        return PTO_ERR_INVALID_ARGUMENT;
    }
    // From here on every failure undoes the registration; the session's
    // destructor frees what the orchestration allocated and closes its object.
    int rc =
        session->orchestration.load(orch_so, orch_so_size, "orchestration", message, message_size);
    void* fn = nullptr;
    if (rc == 0) {
        rc = session->orchestration.resolve(orch_func_name, "orchestration", &fn, message,
                                            message_size);
    }
    Runtime* rt = nullptr;
    if (rc == 0) {
        rt = RuntimeHandleAccess::attach(handle, session.get());
        auto started = std::chrono::steady_clock::now();
        rc = run_orchestration(reinterpret_cast<OrchestrationFn>(fn), rt, *session, func_args,
                               func_args_count, message, message_size);
        session->orchestration_ns =
            static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                      std::chrono::steady_clock::now() - started)
                                      .count());
    }
    if (rc == 0) {
        char reason[768];
        rc = freeze_graph(*session->builder, &session->graph, reason, sizeof reason);
        if (rc != 0) std::snprintf(message, message_size, "%s", reason);
    }
    if (rc != 0) {
        if (rt != nullptr) RuntimeHandleAccess::detach(handle);
        unregister_session(handle);
        return rc;
    }
    // The graph owns the device memory from now on, for as long as any
    // launch of it may still run; the builder is no longer needed.
    session->graph->allocations = std::move(session->allocations);
    session->allocations.clear();
    session->builder.reset();
    session->frozen.store(true, std::memory_order_release);
    return 0;
}

// The orchestration of this runtime takes one word per argument: a tensor's
// host pointer, a scalar's value (the list form of golden.py).
int runtime_host_init_args(void* handle, const uint8_t* orch_so, size_t orch_so_size,
                           const char* orch_func_name, const PtoTaskArg* args, int arg_count,
                           char* message, size_t message_size) {
    if (arg_count < 0 || (arg_count > 0 && args == nullptr)) {
        std::snprintf(message, message_size, "pto_init_runtime_args: %d arguments but no array",
                      arg_count);
        return PTO_ERR_INVALID_ARGUMENT;
    }
    std::vector<uint64_t> words(static_cast<size_t>(arg_count));
    for (int i = 0; i < arg_count; ++i) words[static_cast<size_t>(i)] = args[i].value;
    return runtime_host_init(handle, orch_so, orch_so_size, orch_func_name, words.data(), arg_count,
                             message, message_size);
}

namespace {

// A handle whose init_runtime is still running (called from inside its own
// orchestration, or from another thread meanwhile): no graph yet.
int still_initialising(const char* call, char* message, size_t message_size) {
    std::snprintf(message, message_size,
                  "%s: init_runtime is still building this handle's graph; call it after "
                  "init_runtime returned (not from the orchestration itself)",
                  call);
    return PTO_ERR_BUSY;
}

}  // namespace

int runtime_host_begin_launch(void* handle, const RuntimeLaunchSettings& settings,
                              std::shared_ptr<RuntimeLaunch>* out, char* message,
                              size_t message_size) {
    std::shared_ptr<RuntimeSession> s = session_of(handle);
    if (s == nullptr) {
        std::snprintf(message, message_size, "launch_runtime: call init_runtime first");
        return PTO_ERR_NOT_INITIALIZED;
    }
    if (!s->frozen.load(std::memory_order_acquire)) {
        return still_initialising("launch_runtime", message, message_size);
    }
    if (int busy = s->claim(HandleState::kLaunching, message, message_size)) return busy;
    if (s->misuse_count() > 0) {
        std::snprintf(message, message_size,
                      "launch_runtime: %s was called after init_runtime returned (%d such "
                      "call(s), from a thread the orchestration %s left running); the graph was "
                      "frozen with %u tasks when it returned: add every task and edge before the "
                      "orchestration function returns",
                      s->first_misuse().c_str(), s->misuse_count(), s->orchestration_name.c_str(),
                      s->graph->view().task_count());
        s->release();
        return PTO_ERR_INVALID_GRAPH;
    }
    return s->start_launch(
        [&](std::shared_ptr<RuntimeLaunch>* launch) {
            return create_host_launch(s->graph, settings, launch, message, message_size);
        },
        out);
}

int runtime_host_end_launch(void* handle, const std::shared_ptr<RuntimeLaunch>& launch,
                            int status, char* message, size_t message_size) {
    std::shared_ptr<RuntimeSession> s = session_of(handle);
    if (s == nullptr) return status;
    // begin_launch refused a graph misused before it: a count now means a
    // call landed while the launch ran, and the graph it ran lacked it.
    if (status == 0 && s->misuse_count() > 0) {
        std::snprintf(message, message_size,
                      "launch_runtime: %s was called while the launch ran (%d such call(s), from "
                      "a thread the orchestration %s left running) and was dropped; the launch "
                      "ran the %u tasks the graph was frozen with: add every task and edge before "
                      "the orchestration function returns, and join its threads",
                      s->first_misuse().c_str(), s->misuse_count(), s->orchestration_name.c_str(),
                      s->graph->view().task_count());
        status = PTO_ERR_INVALID_GRAPH;
    }
    s->end_launch(launch, status);
    return status;
}

int runtime_host_finalize(void* handle, char* message, size_t message_size) {
    std::shared_ptr<RuntimeSession> s = session_of(handle);
    if (s == nullptr) {
        std::snprintf(message, message_size, "finalize_runtime: handle was not initialised");
        return PTO_ERR_NOT_INITIALIZED;
    }
    if (!s->frozen.load(std::memory_order_acquire)) {
        return still_initialising("finalize_runtime", message, message_size);
    }
    if (int busy = s->claim(HandleState::kFinalizing, message, message_size)) return busy;
    int status = 0;
    // Outputs of a launch that failed (fault, timeout) or never ran are not
    // trustworthy: the host buffers are left untouched.
    if (s->last_status() == 0) {
        for (size_t i = 0; i < s->pairs.size(); ++i) {
            const TensorPair& p = s->pairs[i];
            if (!device_allocation_live(p.allocation.base, p.allocation.id)) {
                if (status == 0) {
                    std::snprintf(message, message_size,
                                  "finalize_runtime: tensor pair %zu (device 0x%" PRIx64
                                  ", %zu bytes) was freed with device_free after it was recorded; "
                                  "its output was not copied back",
                                  i, reinterpret_cast<uint64_t>(p.dev_ptr), p.size);
                    status = PTO_ERR_INVALID_ARGUMENT;
                }
                continue;
            }
            char reason[256];
            int rc = device_copy_from(p.host_ptr, p.dev_ptr, p.size, reason, sizeof reason);
            if (rc != 0 && status == 0) {
                std::snprintf(message, message_size,
                              "finalize_runtime: copying tensor pair %zu back failed: %s", i,
                              reason);
                status = rc;
            }
        }
    }
    // A call on the frozen graph after the last launch ended (one during a
    // launch failed that launch): dropped, so the case is not a pass.
    if (status == 0 && s->last_status() == 0 && s->misuse_count() > 0) {
        std::snprintf(message, message_size,
                      "finalize_runtime: %s was called after init_runtime returned (%d such "
                      "call(s), from a thread the orchestration %s left running) and was dropped; "
                      "add every task and edge before the orchestration function returns, and "
                      "join its threads",
                      s->first_misuse().c_str(), s->misuse_count(), s->orchestration_name.c_str());
        status = PTO_ERR_INVALID_GRAPH;
    }
    // A launch whose worker was left inside a kernel holds what the kernel
    // uses (its block, the graph's device memory): that goes when the kernel
    // returns; the rest goes with the handle now.
    s->set_launch(nullptr, s->last_status(), false);
    RuntimeHandleAccess::detach(handle);
    unregister_session(handle);
    return status;
}
