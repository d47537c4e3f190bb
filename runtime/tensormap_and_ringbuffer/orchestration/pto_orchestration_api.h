// The orchestration API of the tensormap_and_ringbuffer runtime (upstream's
// "pto_orchestration_api.h"). An orchestration shared object exports
//
//   extern "C" PTO2OrchestrationConfig aicpu_orchestration_config(const ChipTaskArgs&);  //
//   optional extern "C" void aicpu_orchestration_entry(const ChipTaskArgs&);
//
// and runs on the device side, on the last AICPU thread, while the other
// threads already schedule what it submitted. It submits tasks with tensor
// arguments tagged by how the task uses them; the runtime finds the
// dependencies (read after write, write after read, write after write on
// overlapping elements) and keeps memory in rings reclaimed as tasks retire.
//
// The runtime is reached through thread-local state this header keeps; the
// runtime binds it (pto2_orchestration_bind) before calling the entry.
#pragma once

#include <cstdarg>
#include <cstdio>
#include <cstdint>
#include <cstring>
#include <initializer_list>

#include "tensor.h"

constexpr int PTO2_MAX_TENSOR_ARGS = 32;
constexpr int PTO2_MAX_SCALAR_ARGS = 16;
constexpr int PTO2_MAX_EXPLICIT_DEPS = 16;
constexpr int PTO2_MAX_SCOPE_DEPTH = 64;

// Why the orchestration stopped (reported by name with the sizes in force).
enum PTO2ErrorCode : int32_t {
    PTO2_ERROR_NONE = 0,
    PTO2_ERROR_SCOPE_DEADLOCK = 1,
    PTO2_ERROR_HEAP_RING_DEADLOCK = 2,
    PTO2_ERROR_FLOW_CONTROL_DEADLOCK = 3,
    PTO2_ERROR_DEP_POOL_OVERFLOW = 4,
    PTO2_ERROR_TENSORMAP_OVERFLOW = 5,
    PTO2_ERROR_INVALID_ARGS = 6,
    PTO2_ERROR_EXPLICIT_ORCH_FATAL = 7,
    PTO2_ERROR_TENSOR_WAIT_TIMEOUT = 8,
    PTO2_ERROR_SCHEDULER_TIMEOUT = 9,
    // A sync-start task with more blocks than the device holds at once.
    PTO2_ERROR_REQUIRE_SYNC_START_INVALID = 10,
};

struct PTO2OrchestrationConfig {
    int expected_arg_count;  // tensors + scalars the entry expects; < 0: any
};

// A task's id (upstream's class): its ring in the top byte, its number in
// that ring below. Eight bytes, passed like a uint64_t.
struct PTO2TaskId {
    uint64_t raw = ~0ull;
    static constexpr PTO2TaskId invalid() { return PTO2TaskId{~0ull}; }
    constexpr bool is_valid() const { return raw != ~0ull; }
    constexpr bool is_invalid() const { return raw == ~0ull; }
    constexpr uint32_t ring() const { return static_cast<uint32_t>(raw >> 56); }
    constexpr uint64_t local() const { return raw & ((1ull << 56) - 1); }
    friend constexpr bool operator==(PTO2TaskId a, PTO2TaskId b) { return a.raw == b.raw; }
    friend constexpr bool operator!=(PTO2TaskId a, PTO2TaskId b) { return a.raw != b.raw; }
};
constexpr PTO2TaskId PTO2_INVALID_TASK_ID = PTO2TaskId::invalid();

// ---- the host's arguments ------------------------------------------------

class ChipTensorRef {
public:
    explicit ChipTensorRef(const ChipTensor* t) : t_(t) {}
    const ChipTensor& ref() const { return *t_; }
    operator const ChipTensor&() const { return *t_; }

private:
    const ChipTensor* t_;
};

// Tensors first, then scalars, in the order the host gave them.
class ChipTaskArgs {
public:
    uint32_t tensor_count() const { return tensor_count_; }
    uint32_t scalar_count() const { return scalar_count_; }
    ChipTensorRef tensor(uint32_t i) const { return ChipTensorRef(&tensors_[i]); }
    uint64_t scalar(uint32_t i) const { return scalars_[i]; }

    // Written by the runtime's host side.
    uint32_t tensor_count_ = 0;
    uint32_t scalar_count_ = 0;
    uint64_t reserved_[6] = {};
    ChipTensor tensors_[PTO2_MAX_TENSOR_ARGS];
    uint64_t scalars_[PTO2_MAX_SCALAR_ARGS];
};

// ---- task arguments ----------------------------------------------------------

// The recipe of a tensor the runtime allocates (a task's OUTPUT, or
// alloc_tensors): dense, row-major, from the task's ring heap.
struct TensorCreateInfo {
    uint64_t shapes[PTO2_MAX_TENSOR_DIMS] = {};
    uint32_t ndims = 0;
    DataType dtype = DataType::FLOAT32;
    uint32_t has_initial_value = 0;
    uint64_t initial_value = 0;  // bit pattern of one element, repeated

    TensorCreateInfo() = default;
    template <typename S>
    TensorCreateInfo(const S* s, uint32_t n, DataType t) : ndims(n), dtype(t) {
        for (uint32_t i = 0; i < n && i < PTO2_MAX_TENSOR_DIMS; ++i)
            shapes[i] = static_cast<uint64_t>(s[i]);
    }
    TensorCreateInfo(std::initializer_list<uint64_t> s, DataType t)
        : ndims(static_cast<uint32_t>(s.size())), dtype(t) {
        uint32_t i = 0;
        for (uint64_t v : s) {
            if (i < PTO2_MAX_TENSOR_DIMS) shapes[i++] = v;
        }
    }
    template <typename T>
    TensorCreateInfo& set_initial_value(T value) {
        initial_value = 0;
        std::memcpy(&initial_value, &value, sizeof(T) < 8 ? sizeof(T) : 8);
        has_initial_value = 1;
        return *this;
    }
    uint64_t numel() const {
        uint64_t n = 1;
        for (uint32_t i = 0; i < ndims; ++i) n *= shapes[i];
        return n;
    }
};

enum class PTO2ArgKind : uint8_t {
    INPUT = 0,
    OUTPUT = 1,
    OUTPUT_EXISTING = 2,
    INOUT = 3,
    NO_DEP = 4
};

// ---- the cluster model (docs/runtimes/tensormap_and_ringbuffer.md) -----------
// A task runs one kernel on one AIC or AIV core, or kernels on two or three
// cores of one cluster (MIX), as `block_num` blocks; a dummy task runs none.

constexpr int32_t INVALID_KERNEL_ID = -1;

// The kernels of one task on the cores of a cluster.
struct MixedKernels {
    int32_t aic_kernel_id = INVALID_KERNEL_ID;
    int32_t aiv0_kernel_id = INVALID_KERNEL_ID;
    int32_t aiv1_kernel_id = INVALID_KERNEL_ID;
};

// How a task is launched: its block count (1..32767; anything else is
// refused at submit) and whether its blocks start together.
class LaunchSpec {
public:
    void set_block_num(int32_t n) { block_num_ = n; }
    void set_core_num(int32_t n) { block_num_ = n; }  // a5's name for the same field
    int32_t block_num() const { return block_num_; }
    void set_require_sync_start(bool on) { sync_start_ = on; }
    bool require_sync_start() const { return sync_start_; }

private:
    int32_t block_num_ = 1;
    bool sync_start_ = false;
};

enum class PredicateOp : uint8_t { NONE = 0, EQ, NE, GT, LT, GE, LE };
struct CorePredicateOperand {
    const ChipTensor* tensor = nullptr;
    uint32_t ndims = 0;
    uint32_t indices[PTO2_MAX_TENSOR_DIMS] = {};
};
struct CoreTaskPredicate {
    CorePredicateOperand operand;
    PredicateOp op = PredicateOp::NONE;
    int64_t target = 0;
};

// One task's arguments: tensors (each with how the task uses it) in the
// order the kernel receives their descriptors, then scalars. A mistake
// (a tensor after a scalar, too many) is kept and refused at submit with
// INVALID_ARGS.
class CoreTaskArgs {
public:
    CoreTaskArgs& add_input(const ChipTensor& t) { return add(PTO2ArgKind::INPUT, t); }
    CoreTaskArgs& add_output(const ChipTensor& existing) {
        return add(PTO2ArgKind::OUTPUT_EXISTING, existing);
    }
    CoreTaskArgs& add_output(const TensorCreateInfo& info) {
        if (!room_for_tensor()) return *this;
        ChipTensor& t = tensors_[tensor_count_];
        t = ChipTensor{};
        t.ndims = info.ndims;
        t.dtype = info.dtype;
        for (uint32_t i = 0; i < info.ndims && i < PTO2_MAX_TENSOR_DIMS; ++i)
            t.shapes[i] = info.shapes[i];
        create_[tensor_count_].info = info;
        kinds_[tensor_count_++] = PTO2ArgKind::OUTPUT;
        return *this;
    }
    CoreTaskArgs& add_inout(const ChipTensor& t) { return add(PTO2ArgKind::INOUT, t); }
    CoreTaskArgs& add_no_dep(const ChipTensor& t) { return add(PTO2ArgKind::NO_DEP, t); }
    template <typename T>
    CoreTaskArgs& add_scalar(T value) {
        static_assert(sizeof(T) <= 8, "a scalar argument is at most 64 bits");
        if (scalar_count_ >= PTO2_MAX_SCALAR_ARGS) {
            note(2);
            return *this;
        }
        uint64_t bits = 0;
        std::memcpy(&bits, &value, sizeof(T));
        scalars_[scalar_count_++] = bits;
        return *this;
    }
    // Explicit edges: the task runs after each of these. Up to 16 are
    // copied; a longer list is read from `ids` at submit (upstream's
    // contract: the array lives until the task is submitted).
    CoreTaskArgs& set_dependencies(const PTO2TaskId* ids, int n) {
        if (n < 0 || (n > 0 && ids == nullptr)) {
            note(4);
            return *this;
        }
        dep_count_ = n;
        external_deps_ = n > PTO2_MAX_EXPLICIT_DEPS ? ids : nullptr;
        if (external_deps_ == nullptr) {
            for (int i = 0; i < n; ++i) deps_[i] = ids[i];
        }
        return *this;
    }
    CoreTaskArgs& add_dependency(PTO2TaskId id) {
        if (external_deps_ != nullptr || dep_count_ >= PTO2_MAX_EXPLICIT_DEPS) {
            note(external_deps_ != nullptr ? 4 : 3);
            return *this;
        }
        deps_[dep_count_++] = id;
        return *this;
    }

    LaunchSpec launch_spec;
    // Accepted; it changes when a consumer may be staged on a core, never
    // what it computes, and the simulator starts a task only once its
    // producers completed.
    CoreTaskArgs& set_allow_early_resolve(bool on = true) {
        allow_early_resolve_ = on;
        return *this;
    }
    bool allow_early_resolve() const { return allow_early_resolve_; }
    // Run the task only if the element the predicate names compares true
    // with its target when the task becomes ready; else it retires without
    // running (its consumers are released as if it had run).
    CoreTaskArgs& set_predicate(const CoreTaskPredicate& p) {
        predicate_ = p;
        return *this;
    }
    const CoreTaskPredicate& predicate() const { return predicate_; }

    int tensor_count() const { return tensor_count_; }
    int scalar_count() const { return scalar_count_; }
    int dependency_count() const { return dep_count_; }
    PTO2ArgKind kind(int i) const { return kinds_[i]; }
    const ChipTensor& tensor_at(int i) const { return tensors_[i]; }
    const TensorCreateInfo& create_info(int i) const { return create_[i].info; }
    uint64_t scalar_at(int i) const { return scalars_[i]; }
    PTO2TaskId dependency(int i) const {
        return external_deps_ != nullptr ? external_deps_[i] : deps_[i];
    }
    // Upstream's accessor: the i-th tensor argument, as added.
    class TensorRef {
    public:
        TensorRef(const ChipTensor* t, const TensorCreateInfo* info) : t_(t), info_(info) {}
        // The descriptor of a tensor added as input, output or inout.
        const ChipTensor& ref() const { return *t_; }
        // What a new output (add_output(TensorCreateInfo)) was made from.
        const TensorCreateInfo& create_info() const { return *info_; }

    private:
        const ChipTensor* t_;
        const TensorCreateInfo* info_;
    };
    TensorRef tensor(int i) const { return TensorRef(&tensors_[i], &create_[i].info); }
    // Bit 0: tensor after a scalar; 1: too many tensors; 2: too many scalars;
    // 3: too many explicit dependencies added one at a time; 4: a bad
    // set_dependencies (negative count, no array), or an add after a long one.
    uint32_t mistakes() const { return mistakes_; }

private:
    template <int N>
    friend class CoreTaskArgsWithDeps;
    CoreTaskArgs& add(PTO2ArgKind kind, const ChipTensor& t) {
        if (!room_for_tensor()) return *this;
        tensors_[tensor_count_] = t;
        kinds_[tensor_count_++] = kind;
        return *this;
    }
    bool room_for_tensor() {
        if (scalar_count_ > 0) note(0);
        if (tensor_count_ >= PTO2_MAX_TENSOR_ARGS) {
            note(1);
            return false;
        }
        return true;
    }
    void note(int bit) { mistakes_ |= 1u << bit; }

    int tensor_count_ = 0;
    int scalar_count_ = 0;
    int dep_count_ = 0;
    uint32_t mistakes_ = 0;
    PTO2ArgKind kinds_[PTO2_MAX_TENSOR_ARGS];
    ChipTensor tensors_[PTO2_MAX_TENSOR_ARGS];
    // Filled only for OUTPUT arguments: left unconstructed, so that a task's
    // arguments cost what it adds, not 32 zeroed TensorCreateInfos.
    union CreateSlot {
        CreateSlot() {}
        TensorCreateInfo info;
    };
    CreateSlot create_[PTO2_MAX_TENSOR_ARGS];
    uint64_t scalars_[PTO2_MAX_SCALAR_ARGS];
    PTO2TaskId deps_[PTO2_MAX_EXPLICIT_DEPS];
    const PTO2TaskId* external_deps_ = nullptr;  // set_dependencies of more than 16
    CoreTaskPredicate predicate_;
    bool allow_early_resolve_ = false;
};

// What a submit returns: the task's id and the descriptors of its OUTPUT
// tensors (in the order they were added), valid while the task's scope is
// open.
class TaskOutputTensors {
public:
    TaskOutputTensors() = default;
    TaskOutputTensors(PTO2TaskId id, const ChipTensor* outputs, int count)
        : id_(id), outputs_(outputs), count_(count) {}
    PTO2TaskId task_id() const { return id_; }
    int size() const { return count_; }
    bool valid() const { return id_.is_valid(); }
    // The i-th OUTPUT. An empty descriptor after a failed submit (the run is
    // stopping), and after the task has retired (its scope ended and no task
    // holds its memory: the descriptors went with it), which is also reported
    // as INVALID_ARGS.
    const ChipTensor& get_ref(int i) const;

private:
    PTO2TaskId id_ = PTO2_INVALID_TASK_ID;
    const ChipTensor* outputs_ = nullptr;
    int count_ = 0;
};

// ---- the runtime behind the calls -------------------------------------------

enum class PTO2ScopeMode : int32_t { AUTO = 0, MANUAL = 1 };
enum PTO2LogLevel : int32_t {
    PTO2_LOG_ERROR = 0,
    PTO2_LOG_WARN = 1,
    PTO2_LOG_INFO = 2,
    PTO2_LOG_DEBUG = 3
};

// The table the runtime binds; its layout is part of the ABI between an
// orchestration object and the runtime (`abi_version` says which).
struct PTO2RuntimeOps {
    uint32_t abi_version;
    uint32_t size;
    // A task of the kernels `mk` names; with `dummy`, of none.
    TaskOutputTensors (*submit)(void* rt, const MixedKernels* mk, const CoreTaskArgs* args,
                                int32_t dummy);
    TaskOutputTensors (*alloc)(void* rt, const TensorCreateInfo* infos, int32_t count);
    void (*scope_begin)(void* rt, PTO2ScopeMode mode);
    void (*scope_end)(void* rt);
    // One element at `element` (elements from buffer.addr) into/from `value`.
    int32_t (*read_element)(void* rt, const ChipTensor* t, uint64_t element, void* value);
    int32_t (*write_element)(void* rt, const ChipTensor* t, uint64_t element, const void* value);
    void (*log)(void* rt, int32_t level, const char* fmt, va_list args);
    void (*fatal)(void* rt, int32_t code, const char* fmt, va_list args);
    int32_t (*failed)(void* rt);
    // 1 while task `id` still holds its memory; else 0, reported as INVALID_ARGS.
    int32_t (*outputs_held)(void* rt, PTO2TaskId id);
    // This run's clusters (what = 0) or AIV cores (what = 1).
    int32_t (*available)(void* rt, int32_t what);
    // `call` came from a thread the runtime did not bind (one the
    // orchestration started): the run fails naming it; the call does nothing.
    void (*foreign_call)(void* rt, const char* call);
};
constexpr uint32_t PTO2_RUNTIME_OPS_ABI = 5;

// The orchestration's own thread: every call goes to its runtime.
inline thread_local const PTO2RuntimeOps* pto2_tls_ops = nullptr;
inline thread_local void* pto2_tls_runtime = nullptr;

namespace pto2_detail {
// Any other thread of this object's: its calls are reported to the runtime
// of the run, from the entry's start until the run has ended. Hidden, so
// each object has its own and the loader looks nothing up for it (an
// exported inline variable is a "unique" symbol, bound process-wide).
// (GCC's __atomic builtins, not <atomic>: the header stays small, and so
// does every orchestration object, which the device loads at each launch.)
struct RunBinding {
    const PTO2RuntimeOps* ops = nullptr;
    void* runtime = nullptr;
    int32_t calls = 0;  // reports in progress
};
__attribute__((visibility("hidden"))) inline RunBinding& run_binding() {
    static RunBinding binding;
    return binding;
}
}  // namespace pto2_detail

// Called by the runtime on the orchestration thread before the entry, and
// with null after it returned (that thread's calls then do nothing).
extern "C" __attribute__((visibility("default"), used)) inline uint32_t pto2_orchestration_bind(
    const PTO2RuntimeOps* ops, void* rt) {
    pto2_tls_ops = ops;
    pto2_tls_runtime = rt;
    if (ops != nullptr) {
        pto2_detail::RunBinding& run = pto2_detail::run_binding();
        __atomic_store_n(&run.runtime, rt, __ATOMIC_RELAXED);
        // release: pairs with the acquire load in pto2_detail::foreign.
        __atomic_store_n(&run.ops, ops, __ATOMIC_RELEASE);
    }
    return PTO2_RUNTIME_OPS_ABI;
}

// Called by the runtime once the run has ended: no thread's call reaches it
// after this returns (it waits out reports in progress; they do not block).
extern "C" __attribute__((visibility("default"), used)) inline void pto2_orchestration_release() {
    pto2_detail::RunBinding& run = pto2_detail::run_binding();
    // seq_cst with the counter's: either a caller sees null, or this sees it counted.
    __atomic_store_n(&run.ops, nullptr, __ATOMIC_SEQ_CST);
    while (__atomic_load_n(&run.calls, __ATOMIC_SEQ_CST) != 0) {
    }
    __atomic_store_n(&run.runtime, nullptr, __ATOMIC_RELAXED);
}

namespace pto2_detail {
// A call on a thread the runtime did not bind: reported to the run's runtime.
inline void foreign(const char* call) {
    RunBinding& run = run_binding();
    __atomic_fetch_add(&run.calls, 1, __ATOMIC_SEQ_CST);
    // seq_cst (an acquire at least): pairs with the release store in
    // pto2_orchestration_bind, and with pto2_orchestration_release's store.
    const PTO2RuntimeOps* ops = __atomic_load_n(&run.ops, __ATOMIC_SEQ_CST);
    if (ops != nullptr) ops->foreign_call(__atomic_load_n(&run.runtime, __ATOMIC_RELAXED), call);
    __atomic_fetch_sub(&run.calls, 1, __ATOMIC_SEQ_CST);
}
}  // namespace pto2_detail

inline const ChipTensor& TaskOutputTensors::get_ref(int i) const {
    static const ChipTensor empty{};
    if (i < 0 || i >= count_ || outputs_ == nullptr) return empty;
    if (pto2_tls_ops != nullptr && pto2_tls_ops->outputs_held(pto2_tls_runtime, id_) == 0)
        return empty;
    return outputs_[i];
}

// Submits: the cluster model's rt_submit_task, and its one-kernel forms.
inline TaskOutputTensors rt_submit_task(const MixedKernels& mk, const CoreTaskArgs& args) {
    if (pto2_tls_ops == nullptr) {
        pto2_detail::foreign("rt_submit_task");
        return TaskOutputTensors();
    }
    return pto2_tls_ops->submit(pto2_tls_runtime, &mk, &args, 0);
}
inline TaskOutputTensors rt_submit_aic_task(int32_t kernel_id, const CoreTaskArgs& args) {
    MixedKernels mk;
    mk.aic_kernel_id = kernel_id;
    return rt_submit_task(mk, args);
}
inline TaskOutputTensors rt_submit_aiv_task(int32_t kernel_id, const CoreTaskArgs& args) {
    MixedKernels mk;
    mk.aiv0_kernel_id = kernel_id;
    return rt_submit_task(mk, args);
}
// A task that takes part in dependencies (its tensors are looked up and
// recorded, its OUTPUTs allocated, its explicit edges kept) and runs no
// kernel: it completes as soon as it is ready.
inline TaskOutputTensors rt_submit_dummy_task(const CoreTaskArgs& args) {
    if (pto2_tls_ops == nullptr) {
        pto2_detail::foreign("rt_submit_dummy_task");
        return TaskOutputTensors();
    }
    const MixedKernels none;
    return pto2_tls_ops->submit(pto2_tls_runtime, &none, &args, 1);
}
// The cores of this run, as the cluster model counts them: its clusters
// (one AIC and two AIV each) and its AIV cores.
inline int32_t rt_available_cluster_count() {
    return pto2_tls_ops == nullptr ? 0 : pto2_tls_ops->available(pto2_tls_runtime, 0);
}
inline int32_t rt_available_aiv_count() {
    return pto2_tls_ops == nullptr ? 0 : pto2_tls_ops->available(pto2_tls_runtime, 1);
}

// Tensors from the current scope's ring heap, without a kernel.
inline TaskOutputTensors alloc_tensors(const TensorCreateInfo* infos, int count) {
    if (pto2_tls_ops == nullptr) {
        pto2_detail::foreign("alloc_tensors");
        return TaskOutputTensors();
    }
    return pto2_tls_ops->alloc(pto2_tls_runtime, infos, count);
}
template <typename... Infos>
inline TaskOutputTensors alloc_tensors(const TensorCreateInfo& first, const Infos&... rest) {
    const TensorCreateInfo infos[] = {first, rest...};
    return alloc_tensors(infos, static_cast<int>(sizeof...(Infos) + 1));
}

inline bool rt_failed() {
    return pto2_tls_ops != nullptr && pto2_tls_ops->failed(pto2_tls_runtime) != 0;
}

namespace pto2_detail {
template <typename I>
inline uint64_t element_of(const ChipTensor& t, uint32_t ndims, const I* idx) {
    uint64_t e = t.start_offset;
    for (uint32_t i = 0; i < ndims && i < t.ndims; ++i) {
        e += static_cast<uint64_t>(static_cast<int64_t>(idx[i]) * t.strides[i]);
    }
    return e;
}
}  // namespace pto2_detail

// One element of `t` at index `idx` (ndims entries), read after every task
// that writes it has finished.
template <typename T, typename I>
inline T get_tensor_data(const ChipTensor& t, uint32_t ndims, const I* idx) {
    T value{};
    if (pto2_tls_ops == nullptr) {
        pto2_detail::foreign("get_tensor_data");
        return value;
    }
    pto2_tls_ops->read_element(pto2_tls_runtime, &t, pto2_detail::element_of(t, ndims, idx), &value);
    return value;
}
template <typename T>
inline T get_tensor_data(const ChipTensor& t, std::initializer_list<uint64_t> idx) {
    return get_tensor_data<T>(t, static_cast<uint32_t>(idx.size()), idx.begin());
}
// Writes one element after every task that reads or writes it has finished.
template <typename T, typename I>
inline void set_tensor_data(const ChipTensor& t, uint32_t ndims, const I* idx, T value) {
    if (pto2_tls_ops == nullptr) {
        pto2_detail::foreign("set_tensor_data");
        return;
    }
    pto2_tls_ops->write_element(pto2_tls_runtime, &t, pto2_detail::element_of(t, ndims, idx), &value);
}
template <typename T>
inline void set_tensor_data(const ChipTensor& t, std::initializer_list<uint64_t> idx, T value) {
    set_tensor_data<T>(t, static_cast<uint32_t>(idx.size()), idx.begin(), value);
}

inline void pto2_log(int32_t level, const char* fmt, ...) __attribute__((format(printf, 2, 3)));
inline void pto2_log(int32_t level, const char* fmt, ...) {
    if (pto2_tls_ops == nullptr) return;
    va_list args;
    va_start(args, fmt);
    pto2_tls_ops->log(pto2_tls_runtime, level, fmt, args);
    va_end(args);
}
// Stops the run with `code` and the message; later calls return at once.
inline void rt_report_fatal(int32_t code, const char* fmt, ...)
    __attribute__((format(printf, 2, 3)));
inline void rt_report_fatal(int32_t code, const char* fmt, ...) {
    if (pto2_tls_ops == nullptr) return pto2_detail::foreign("rt_report_fatal");
    va_list args;
    va_start(args, fmt);
    pto2_tls_ops->fatal(pto2_tls_runtime, code, fmt, args);
    va_end(args);
}

#define LOG_ERROR(fmt, ...) pto2_log(PTO2_LOG_ERROR, fmt, ##__VA_ARGS__)
#define LOG_WARN(fmt, ...) pto2_log(PTO2_LOG_WARN, fmt, ##__VA_ARGS__)
#define LOG_INFO(fmt, ...) pto2_log(PTO2_LOG_INFO, fmt, ##__VA_ARGS__)
#define LOG_DEBUG(fmt, ...) pto2_log(PTO2_LOG_DEBUG, fmt, ##__VA_ARGS__)

// Scopes: `PTO2_SCOPE() { ... }` or `PTO2_SCOPE(PTO2ScopeMode::MANUAL) { ... }`.
// Tasks submitted inside belong to the scope; their runtime-allocated
// outputs live until the scope ends and their readers are done.
class PTO2ScopeGuard {
public:
    explicit PTO2ScopeGuard(PTO2ScopeMode mode = PTO2ScopeMode::AUTO) {
        if (pto2_tls_ops != nullptr) {
            pto2_tls_ops->scope_begin(pto2_tls_runtime, mode);
        } else {
            pto2_detail::foreign("PTO2_SCOPE");
        }
    }
    ~PTO2ScopeGuard() {
        if (pto2_tls_ops != nullptr) pto2_tls_ops->scope_end(pto2_tls_runtime);
    }
    PTO2ScopeGuard(const PTO2ScopeGuard&) = delete;
    PTO2ScopeGuard& operator=(const PTO2ScopeGuard&) = delete;
};
#define PTO2_SCOPE_CONCAT2(a, b) a##b
#define PTO2_SCOPE_CONCAT(a, b) PTO2_SCOPE_CONCAT2(a, b)
#define PTO2_SCOPE(...) \
    if (PTO2ScopeGuard PTO2_SCOPE_CONCAT(pto2_scope_, __COUNTER__){__VA_ARGS__}; true)
// Upstream's block form: a guard that lasts to the end of the enclosing
// block, e.g. `PTO2_SCOPE_GUARD();` or `PTO2_SCOPE_GUARD(PTO2ScopeMode::MANUAL);`.
#define PTO2_SCOPE_GUARD(...) \
    PTO2ScopeGuard PTO2_SCOPE_CONCAT(pto2_scope_guard_, __COUNTER__) { __VA_ARGS__ }

// The explicit pair; every rt_scope_begin needs its rt_scope_end.
inline void rt_scope_begin(PTO2ScopeMode mode = PTO2ScopeMode::AUTO) {
    if (pto2_tls_ops == nullptr) return pto2_detail::foreign("rt_scope_begin");
    pto2_tls_ops->scope_begin(pto2_tls_runtime, mode);
}
inline void rt_scope_end() {
    if (pto2_tls_ops == nullptr) return pto2_detail::foreign("rt_scope_end");
    pto2_tls_ops->scope_end(pto2_tls_runtime);
}

// True once the run failed (a fatal report, a refused submit): every later
// rt_* call returns at once with empty results.
inline bool rt_is_fatal() {
    return rt_failed();
}

// A descriptor of host-given memory at `addr`: dense, whole buffer, owned by
// no task (upstream's signature; `version` is accepted and unused here).
template <typename S>
inline ChipTensor make_tensor_external(void* addr, const S* shapes, uint32_t ndims,
                                       DataType dtype = DataType::FLOAT32, bool manual_dep = false,
                                       int32_t version = 0) {
    (void)version;
    uint64_t dims[PTO2_MAX_TENSOR_DIMS] = {};
    for (uint32_t i = 0; i < ndims && i < PTO2_MAX_TENSOR_DIMS; ++i)
        dims[i] = static_cast<uint64_t>(shapes[i]);
    ChipTensor t = make_chip_tensor(reinterpret_cast<uint64_t>(addr), dims,
                                    ndims < PTO2_MAX_TENSOR_DIMS ? ndims : PTO2_MAX_TENSOR_DIMS,
                                    dtype);
    t.manual_dep = manual_dep ? 1 : 0;
    return t;
}

// CoreTaskArgs with up to N explicit dependencies added one at a time
// (upstream's convenience form): add_dep(ids...) makes the task wait for
// each; add_dep_wait(ids...) the same (here every explicit edge both orders
// and keeps the producer's memory for the task). More than N is refused at
// submit with INVALID_ARGS.
template <int N = PTO2_MAX_EXPLICIT_DEPS>
class CoreTaskArgsWithDeps : private CoreTaskArgs {
    static_assert(N >= 1 && N <= PTO2_MAX_EXPLICIT_DEPS,
                  "CoreTaskArgsWithDeps holds 1..16 dependencies");

public:
    using CoreTaskArgs::add_inout;
    using CoreTaskArgs::add_input;
    using CoreTaskArgs::add_no_dep;
    using CoreTaskArgs::add_output;
    using CoreTaskArgs::add_scalar;
    using CoreTaskArgs::launch_spec;
    using CoreTaskArgs::mistakes;
    using CoreTaskArgs::set_allow_early_resolve;
    using CoreTaskArgs::set_predicate;
    using CoreTaskArgs::tensor;

    template <typename... Ids>
    CoreTaskArgsWithDeps& add_dep(Ids... ids) {
        (add_one(ids), ...);
        return *this;
    }
    template <typename... Ids>
    CoreTaskArgsWithDeps& add_dep_wait(Ids... ids) {
        return add_dep(ids...);
    }
    void reset() { *this = CoreTaskArgsWithDeps(); }
    // What the submit calls take.
    const CoreTaskArgs& args() const { return *this; }

private:
    void add_one(PTO2TaskId id) {
        if (dependency_count() >= N) {
            note(3);
            return;
        }
        add_dependency(id);
    }
};

template <int N>
inline TaskOutputTensors rt_submit_aic_task(int32_t kernel_id, const CoreTaskArgsWithDeps<N>& args) {
    return rt_submit_aic_task(kernel_id, args.args());
}
template <int N>
inline TaskOutputTensors rt_submit_aiv_task(int32_t kernel_id, const CoreTaskArgsWithDeps<N>& args) {
    return rt_submit_aiv_task(kernel_id, args.args());
}

template <int N>
inline TaskOutputTensors rt_submit_task(const MixedKernels& mk, const CoreTaskArgsWithDeps<N>& args) {
    return rt_submit_task(mk, args.args());
}

// Upstream has no CoreTaskArgsWithDeps form of rt_submit_dummy_task; this
// one is harmless and saves a copy.
template <int N>
inline TaskOutputTensors rt_submit_dummy_task(const CoreTaskArgsWithDeps<N>& args) {
    return rt_submit_dummy_task(args.args());
}
