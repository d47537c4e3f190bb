// tensormap_and_ringbuffer's handle functions. init_runtime places the
// orchestration object's bytes and the host's arguments (tensors copied to
// device memory) where the device reads them; the orchestration itself runs
// on the device, once per launch. finalize_runtime copies OUTPUT and INOUT
// tensors back after a launch that succeeded.
#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <new>

#include "orchestration_name.h"
#include "elf_bounds.h"
#include "launch_config.h"
#include "pto_orchestration_api.h"
#include "pto_status.h"
#include "runtime_host_interface.h"
#include "ring_settings.h"
#include "tm_launch.h"
#include "tm_session.h"

namespace {

constexpr uint64_t kHandleMagic = 0x5054'4f54'4d48'444cull;  // "PTOTMHDL"

int fail(char* message, size_t message_size, int rc, const char* fmt, ...)
    __attribute__((format(printf, 4, 5)));
int fail(char* message, size_t message_size, int rc, const char* fmt, ...) {
    va_list args;
    va_start(args, fmt);
    std::vsnprintf(message, message_size, fmt, args);
    va_end(args);
    return rc;
}

// A device block holding a copy of `bytes`.
int place_bytes(const void* bytes, size_t size, DeviceBlock* out, char* message,
                size_t message_size) {
    DeviceBlocks& blocks = platform_device_blocks();
    int rc = blocks.allocate(size, out, message, message_size);
    if (rc != 0) return rc;
    std::memcpy(out->host, bytes, size);
    rc = blocks.publish(*out, message, message_size);
    if (rc != 0) {
        blocks.release(*out);
        *out = DeviceBlock{};
    }
    return rc;
}

// Registers the handle and places the object's bytes; the arguments follow.
int begin_init(void* handle, const uint8_t* orch_so, size_t orch_so_size, const char* entry,
               std::shared_ptr<TmSession>* out, char* message, size_t message_size) {
    if (handle == nullptr)
        return fail(message, message_size, PTO_ERR_INVALID_ARGUMENT,
                    "init_runtime: runtime handle is null");
    if (entry == nullptr || *entry == '\0') {
        return fail(message, message_size, PTO_ERR_INVALID_ARGUMENT,
                    "init_runtime: orchestration function name is empty");
    }
    if (std::strlen(entry) >= sizeof(TmLaunchBlock::entry_name)) {
        return fail(message, message_size, PTO_ERR_INVALID_ARGUMENT,
                    "init_runtime: the orchestration function name is longer than %zu characters",
                    sizeof(TmLaunchBlock::entry_name) - 1);
    }
    if (reinterpret_cast<uintptr_t>(handle) % alignof(TmHandle) != 0) {
        return fail(message, message_size, PTO_ERR_INVALID_ARGUMENT,
                    "init_runtime: the handle %p is not aligned to %zu bytes; allocate "
                    "get_runtime_size() bytes with at least that alignment (malloc does)",
                    handle, alignof(TmHandle));
    }
    int rc =
        check_shared_object_bytes(orch_so, orch_so_size, "orchestration", message, message_size);
    if (rc != 0) return rc;
    auto session = std::make_shared<TmSession>();
    session->entry_name = entry;
    session->inputs = std::make_shared<TmInputs>();
    session->inputs->orchestration_name = orchestration_display_name(entry);
    if (const void* live = tm_register(handle, session)) {
        return fail(
            message, message_size, PTO_ERR_INVALID_ARGUMENT,
            live == handle
                ? "init_runtime: this handle is already initialised; call finalize_runtime first"
                : "init_runtime: the handle overlaps a live handle; each handle needs "
                  "get_runtime_size() bytes of its own");
    }
    rc = place_bytes(orch_so, orch_so_size, &session->inputs->orchestration, message, message_size);
    if (rc != 0) {
        tm_unregister(handle);
        return rc;
    }
    *out = std::move(session);
    return 0;
}

int finish_init(void* handle, TmSession& s, const ChipTaskArgs& args, char* message,
                size_t message_size) {
    int rc = place_bytes(&args, sizeof args, &s.inputs->args, message, message_size);
    if (rc != 0) {
        tm_unregister(handle);
        return rc;
    }
    auto* h = static_cast<TmHandle*>(handle);
    std::memset(h, 0, sizeof *h);
    h->magic = kHandleMagic;
    return 0;
}

}  // namespace

int runtime_host_check_launch_config(int threads, int block_dim, char* message,
                                     size_t message_size) {
    if (threads < 1 || threads > PLATFORM_MAX_AICPU_THREADS) {
        return check_launch_config(threads, block_dim, message, message_size);
    }
    // The last thread orchestrates; the others schedule (one thread does
    // both: it schedules while the orchestration waits, then alone).
    int schedulers = threads > 1 ? threads - 1 : 1;
    int rc = check_launch_config(schedulers, block_dim, message, message_size);
    if (rc != 0 && threads > 1) {
        std::snprintf(
            message, message_size,
            "tensormap_and_ringbuffer runs the orchestration on one of the %d AICPU threads "
            "and schedules on the other %d, each owning at least one whole cluster; block_dim "
            "%d gives %d cluster(s): give a block_dim of %d or more, or fewer AICPU threads",
            threads, schedulers, block_dim, block_dim, schedulers);
    }
    return rc;
}

size_t runtime_host_size() {
    return sizeof(TmHandle);
}

int runtime_host_set_graph_limits(int, int, int, char* message, size_t message_size) {
    return fail(message, message_size, PTO_ERR_INVALID_ARGUMENT,
                "pto_set_graph_limits: tensormap_and_ringbuffer has no graph limits; its rings are "
                "sized by PTO2_RING_TASK_WINDOW, PTO2_RING_HEAP and PTO2_RING_DEP_POOL");
}

bool runtime_host_is_initialized(void* handle) {
    return tm_session_of(handle) != nullptr;
}

// Plain init_runtime: every argument is a scalar of the ChipTaskArgs.
int runtime_host_init(void* handle, const uint8_t* orch_so, size_t orch_so_size,
                      const char* orch_func_name, uint64_t* func_args, int func_args_count,
                      char* message, size_t message_size) {
    if (func_args_count < 0 || (func_args_count > 0 && func_args == nullptr)) {
        return fail(message, message_size, PTO_ERR_INVALID_ARGUMENT,
                    "init_runtime: %d arguments but no argument array", func_args_count);
    }
    if (func_args_count > PTO2_MAX_SCALAR_ARGS) {
        return fail(message, message_size, PTO_ERR_INVALID_ARGUMENT,
                    "init_runtime: %d arguments; tensormap_and_ringbuffer passes init_runtime's "
                    "arguments as scalars (at most %d): give tensors with pto_init_runtime_args",
                    func_args_count, PTO2_MAX_SCALAR_ARGS);
    }
    std::shared_ptr<TmSession> s;
    int rc = begin_init(handle, orch_so, orch_so_size, orch_func_name, &s, message, message_size);
    if (rc != 0) return rc;
    auto args = std::make_unique<ChipTaskArgs>();
    args->scalar_count_ = static_cast<uint32_t>(func_args_count);
    for (int i = 0; i < func_args_count; ++i) args->scalars_[i] = func_args[i];
    return finish_init(handle, *s, *args, message, message_size);
}

int runtime_host_init_args(void* handle, const uint8_t* orch_so, size_t orch_so_size,
                           const char* orch_func_name, const PtoTaskArg* args, int arg_count,
                           char* message, size_t message_size) {
    if (arg_count < 0 || (arg_count > 0 && args == nullptr)) {
        return fail(message, message_size, PTO_ERR_INVALID_ARGUMENT,
                    "pto_init_runtime_args: %d arguments but no array", arg_count);
    }
    auto chip = std::make_unique<ChipTaskArgs>();
    for (int i = 0; i < arg_count; ++i) {
        const PtoTaskArg& a = args[i];
        if (a.kind == PTO_ARG_SCALAR) {
            if (chip->scalar_count_ >= static_cast<uint32_t>(PTO2_MAX_SCALAR_ARGS)) {
                return fail(message, message_size, PTO_ERR_INVALID_ARGUMENT,
                            "pto_init_runtime_args: more than %d scalars", PTO2_MAX_SCALAR_ARGS);
            }
            chip->scalars_[chip->scalar_count_++] = a.value;
            continue;
        }
        if (a.kind < PTO_ARG_INPUT || a.kind > PTO_ARG_INOUT) {
            return fail(message, message_size, PTO_ERR_INVALID_ARGUMENT,
                        "pto_init_runtime_args: argument %d has kind %d; use PtoArgKind", i,
                        a.kind);
        }
        if (chip->tensor_count_ >= static_cast<uint32_t>(PTO2_MAX_TENSOR_ARGS)) {
            return fail(message, message_size, PTO_ERR_INVALID_ARGUMENT,
                        "pto_init_runtime_args: more than %d tensors", PTO2_MAX_TENSOR_ARGS);
        }
        auto dtype = static_cast<DataType>(a.dtype);
        uint64_t elements = 1;
        for (int d = 0; d < a.ndims && d < 5; ++d) elements *= a.shapes[d];
        if (a.ndims < 1 || a.ndims > 5 || get_element_size(dtype) == 0 || a.value == 0 ||
            elements * get_element_size(dtype) != a.nbytes || a.nbytes == 0) {
            return fail(message, message_size, PTO_ERR_INVALID_ARGUMENT,
                        "pto_init_runtime_args: tensor argument %d (ndims %d, dtype %d, %" PRIu64
                        " bytes) is not a valid tensor: give 1..5 dimensions, a DataType, a host "
                        "address, and bytes = elements x element size",
                        i, a.ndims, a.dtype, a.nbytes);
        }
    }
    std::shared_ptr<TmSession> s;
    int rc = begin_init(handle, orch_so, orch_so_size, orch_func_name, &s, message, message_size);
    if (rc != 0) return rc;
    uint32_t t = 0;
    for (int i = 0; i < arg_count; ++i) {
        const PtoTaskArg& a = args[i];
        if (a.kind == PTO_ARG_SCALAR) continue;
        DeviceAllocation alloc{};
        void* dev = device_allocate(a.nbytes, &alloc.id, message, message_size);
        if (dev == nullptr) {
            tm_unregister(handle);
            return PTO_ERR_OUT_OF_MEMORY;
        }
        alloc.base = reinterpret_cast<uint64_t>(dev);
        alloc.size = a.nbytes;
        s->inputs->tensors.push_back(alloc);
        const void* host = reinterpret_cast<const void*>(a.value);
        // OUTPUT tensors start as the host's (zero-filled by golden.py) too:
        // a kernel that writes part of one leaves the rest as given.
        if ((rc = device_copy_to(dev, host, a.nbytes, message, message_size)) != 0) {
            tm_unregister(handle);
            return rc;
        }
        uint64_t shapes[5];
        for (int d = 0; d < 5; ++d) shapes[d] = a.shapes[d];
        chip->tensors_[t++] = make_chip_tensor(alloc.base, shapes, static_cast<uint32_t>(a.ndims),
                                               static_cast<DataType>(a.dtype));
        if (a.kind == PTO_ARG_OUTPUT || a.kind == PTO_ARG_INOUT) {
            device_allocation_learn_name(dev, host);
            DeviceAllocation live{};
            device_allocation_containing(dev, &live);
            s->outputs.push_back(TmOutput{const_cast<void*>(host), dev, a.nbytes, live});
        }
    }
    chip->tensor_count_ = t;
    return finish_init(handle, *s, *chip, message, message_size);
}

int runtime_host_begin_launch(void* handle, const RuntimeLaunchSettings& settings,
                              std::shared_ptr<RuntimeLaunch>* out, char* message,
                              size_t message_size) {
    std::shared_ptr<TmSession> s = tm_session_of(handle);
    if (s == nullptr)
        return fail(message, message_size, PTO_ERR_NOT_INITIALIZED,
                    "launch_runtime: call init_runtime first");
    if (int busy = s->claim(HandleState::kLaunching, message, message_size)) return busy;
    return s->start_launch(
        [&](std::shared_ptr<RuntimeLaunch>* launch) {
            return create_tm_launch(s->inputs, s->entry_name, s->ring_request(), settings,
                                    launch, message, message_size);
        },
        out);
}

int runtime_host_end_launch(void* handle, const std::shared_ptr<RuntimeLaunch>& launch,
                            int status, char* /*message*/, size_t /*message_size*/) {
    std::shared_ptr<TmSession> s = tm_session_of(handle);
    if (s != nullptr) s->end_launch(launch, status);
    return status;
}

int runtime_host_finalize(void* handle, char* message, size_t message_size) {
    std::shared_ptr<TmSession> s = tm_session_of(handle);
    if (s == nullptr)
        return fail(message, message_size, PTO_ERR_NOT_INITIALIZED,
                    "finalize_runtime: handle was not initialised");
    if (int busy = s->claim(HandleState::kFinalizing, message, message_size)) return busy;
    int status = 0;
    if (s->last_status() == 0) {
        for (size_t i = 0; i < s->outputs.size() && status == 0; ++i) {
            const TmOutput& o = s->outputs[i];
            char reason[256];
            int rc = device_copy_from(o.host, o.dev, o.size, reason, sizeof reason);
            if (rc != 0) {
                std::snprintf(message, message_size,
                              "finalize_runtime: copying output %zu back failed: %s", i, reason);
                status = rc;
            }
        }
    }
    s->set_launch(nullptr, s->last_status(), false);
    std::memset(handle, 0, sizeof(TmHandle));
    tm_unregister(handle);
    return status;
}

namespace {

std::shared_ptr<TmLaunch> last_launch(void* handle) {
    std::shared_ptr<TmSession> s = tm_session_of(handle);
    if (s == nullptr) return nullptr;
    return std::static_pointer_cast<TmLaunch>(s->launch());
}

}  // namespace

int runtime_host_graph_size(void* handle, int* tasks, int* edges) {
    if (tm_session_of(handle) == nullptr) return PTO_ERR_NOT_INITIALIZED;
    auto l = last_launch(handle);
    // The graph is built by each launch; before one there is none.
    int t = l ? l->recorded_tasks() : 0;
    int e = 0;
    if (l) {
        for (int i = 0; i < l->recorded_edges(); ++i) {
            if (static_cast<int>(l->edge(i).from) < t && static_cast<int>(l->edge(i).to) < t) ++e;
        }
    }
    if (tasks) *tasks = t;
    if (edges) *edges = e;
    return 0;
}

int runtime_host_task_records(void* handle, TaskRecordView* out, int capacity) {
    if (tm_session_of(handle) == nullptr) return PTO_ERR_NOT_INITIALIZED;
    auto l = last_launch(handle);
    if (!l) return 0;
    int n = std::min(capacity, l->recorded_tasks());
    for (int i = 0; i < n; ++i) out[i] = l->record(i);
    return n;
}

int runtime_host_block_records(void* handle, BlockRecordView* out, int capacity) {
    if (tm_session_of(handle) == nullptr) return PTO_ERR_NOT_INITIALIZED;
    if (capacity < 0) return PTO_ERR_INVALID_ARGUMENT;
    auto l = last_launch(handle);
    if (!l) return 0;
    if (out == nullptr) return l->recorded_blocks();
    int n = std::min(capacity, l->recorded_blocks());
    for (int i = 0; i < n; ++i) out[i] = l->block_record(i);
    return n;
}

int runtime_host_edges(void* handle, int32_t* from, int32_t* to, int capacity) {
    if (tm_session_of(handle) == nullptr) return PTO_ERR_NOT_INITIALIZED;
    auto l = last_launch(handle);
    if (!l) return 0;
    int t = l->recorded_tasks();
    int n = 0;
    for (int i = 0; i < l->recorded_edges() && n < capacity; ++i) {
        const EdgeRecord& e = l->edge(i);
        if (static_cast<int>(e.from) >= t || static_cast<int>(e.to) >= t) continue;
        from[n] = static_cast<int32_t>(e.from);
        to[n] = static_cast<int32_t>(e.to);
        ++n;
    }
    return n;
}

int runtime_host_progress(void* handle, int* done, int* total) {
    if (tm_session_of(handle) == nullptr) return PTO_ERR_NOT_INITIALIZED;
    auto l = last_launch(handle);
    if (done) *done = l ? l->completed() : 0;
    if (total) *total = l ? l->submitted() : 0;
    return 0;
}

int runtime_host_orchestration_stats(void* handle, PtoOrchestrationStats* out) {
    if (tm_session_of(handle) == nullptr) return PTO_ERR_NOT_INITIALIZED;
    if (auto l = last_launch(handle)) l->orchestration_stats(out);
    return 0;
}

int runtime_host_copied_back_bytes(void* handle, const void* host, size_t size, size_t* bytes) {
    std::shared_ptr<TmSession> s = tm_session_of(handle);
    if (s == nullptr) return PTO_ERR_NOT_INITIALIZED;
    auto lo = reinterpret_cast<uintptr_t>(host), hi = lo + size;
    size_t n = 0;
    for (const TmOutput& o : s->outputs) {
        auto a = reinterpret_cast<uintptr_t>(o.host), b = a + o.size;
        uintptr_t from = std::max(lo, a), to = std::min(hi, b);
        if (from < to) n += to - from;
    }
    *bytes = n;
    return 0;
}

int runtime_host_set_ring_sizes(void* handle, const PtoRingSizes* sizes, char* message,
                                size_t message_size) {
    std::shared_ptr<TmSession> s = tm_session_of(handle);
    if (s == nullptr) {
        return fail(message, message_size, PTO_ERR_NOT_INITIALIZED,
                    "pto_set_ring_sizes: call init_runtime first");
    }
    if (int rc = check_ring_request(*sizes, message, message_size)) return rc;
    s->set_ring_request(*sizes);
    return 0;
}

int runtime_host_ring_sizes(void* handle, PtoRingSizes* out, char* message, size_t message_size) {
    std::shared_ptr<TmSession> s = tm_session_of(handle);
    if (s == nullptr) {
        return fail(message, message_size, PTO_ERR_NOT_INITIALIZED,
                    "pto_get_ring_sizes: call init_runtime first");
    }
    if (auto l = last_launch(handle)) {
        *out = l->ring_sizes();
        return 0;
    }
    RingSizes sizes;
    if (int rc = read_ring_sizes(s->ring_request(), &sizes, message, message_size)) return rc;
    *out = ring_sizes_of(sizes);
    return 0;
}
