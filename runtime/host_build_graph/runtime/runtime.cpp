#include "runtime.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>

#include "pto_status.h"

Runtime::Runtime(GraphLimits limits) : limits_(limits) {
    size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
    tasks_bytes_ = (static_cast<size_t>(limits_.max_tasks) * sizeof(Task) + page - 1) / page * page;
    void* reserved = mmap(nullptr, tasks_bytes_, PROT_READ | PROT_WRITE,
                          MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (reserved == MAP_FAILED) {
        tasks_bytes_ = 0;
        limits_.max_tasks = 0;  // every add_task then reports the limit
        fail_build(PTO_ERR_OUT_OF_MEMORY, "cannot reserve room for %d tasks", limits.max_tasks);
    } else {
        tasks_ = static_cast<Task*>(reserved);
    }
    magic_ = kMagic;
}

Runtime::~Runtime() {
    std::free(edge_from_);
    std::free(edge_to_);
    std::free(successors_);
    if (tasks_ != nullptr) munmap(tasks_, tasks_bytes_);
    magic_ = 0;
}

void Runtime::fail_build(int status, const char* fmt, ...) {
    // Keep the first failure: later ones are usually consequences of it.
    if (build_error_ != 0) return;
    build_error_ = status;
    va_list ap;
    va_start(ap, fmt);
    std::vsnprintf(build_error_message_, sizeof build_error_message_, fmt, ap);
    va_end(ap);
}

int Runtime::add_task(uint64_t* args, int num_args, int func_id, CoreType core_type) {
    if (task_count_ >= limits_.max_tasks) {
        fail_build(PTO_ERR_LIMIT_EXCEEDED,
                   "add_task: the graph already has %d tasks, the limit (func_id %d not added)",
                   limits_.max_tasks, func_id);
        return -1;
    }
    if (num_args < 0 || num_args > RUNTIME_MAX_ARGS) {
        fail_build(PTO_ERR_LIMIT_EXCEEDED,
                   "add_task: %d arguments for func_id %d; a task takes 0..%d", num_args, func_id,
                   RUNTIME_MAX_ARGS);
        return -1;
    }
    if (num_args > 0 && args == nullptr) {
        fail_build(PTO_ERR_INVALID_ARGUMENT,
                   "add_task: func_id %d has %d arguments but the args pointer is null", func_id,
                   num_args);
        return -1;
    }
    if (core_type != CoreType::AIC && core_type != CoreType::AIV) {
        fail_build(PTO_ERR_INVALID_ARGUMENT,
                   "add_task: func_id %d has core type %d; use CoreType::AIC or CoreType::AIV",
                   func_id, static_cast<int>(core_type));
        return -1;
    }
    if (func_id < 0) {
        fail_build(PTO_ERR_INVALID_ARGUMENT, "add_task: func_id %d is negative", func_id);
        return -1;
    }
    int id = task_count_++;
    Task& t = *new (&tasks_[id]) Task();
    t.task_id = id;
    t.func_id = func_id;
    t.num_args = num_args;
    t.core_type = core_type;
    for (int i = 0; i < RUNTIME_MAX_ARGS; ++i) t.args[i] = i < num_args ? args[i] : 0;
    t.function_bin_addr = 0;
    t.fanin = 0;
    t.fanout_count = 0;
    t.successor_begin = 0;
    t.remaining_fanin.store(0, std::memory_order_relaxed);
    t.state.store(static_cast<int32_t>(TaskState::kPending), std::memory_order_relaxed);
    t.worker_id = -1;
    t.scheduler_thread = -1;
    t.ready_time = 0;
    t.dispatch_time = 0;
    t.start_time.store(0, std::memory_order_relaxed);
    t.end_time.store(0, std::memory_order_relaxed);
    return id;
}

int Runtime::reserve_edges(uint32_t needed) {
    if (needed <= edge_capacity_) return 0;
    uint32_t capacity = edge_capacity_ ? edge_capacity_ * 2 : 256;
    while (capacity < needed) capacity *= 2;
    auto* from = static_cast<int32_t*>(std::realloc(edge_from_, capacity * sizeof(int32_t)));
    if (from == nullptr) return PTO_ERR_OUT_OF_MEMORY;
    edge_from_ = from;
    auto* to = static_cast<int32_t*>(std::realloc(edge_to_, capacity * sizeof(int32_t)));
    if (to == nullptr) return PTO_ERR_OUT_OF_MEMORY;
    edge_to_ = to;
    edge_capacity_ = capacity;
    return 0;
}

void Runtime::add_successor(int from_task, int to_task) {
    if (from_task < 0 || from_task >= task_count_ || to_task < 0 || to_task >= task_count_) {
        fail_build(PTO_ERR_INVALID_GRAPH,
                   "add_successor(%d, %d): task ids must be in 0..%d (tasks added so far)",
                   from_task, to_task, task_count_ - 1);
        return;
    }
    if (from_task == to_task) {
        fail_build(PTO_ERR_INVALID_GRAPH, "add_successor(%d, %d): a task cannot depend on itself",
                   from_task, to_task);
        return;
    }
    Task& from = tasks_[from_task];
    if (from.fanout_count >= limits_.max_successors) {
        fail_build(PTO_ERR_LIMIT_EXCEEDED,
                   "add_successor(%d, %d): task %d already has %d successors, the limit", from_task,
                   to_task, from_task, limits_.max_successors);
        return;
    }
    if (reserve_edges(edge_count_ + 1) != 0) {
        fail_build(PTO_ERR_OUT_OF_MEMORY, "add_successor(%d, %d): out of memory for edges",
                   from_task, to_task);
        return;
    }
    edge_from_[edge_count_] = from_task;
    edge_to_[edge_count_] = to_task;
    ++edge_count_;
    ++from.fanout_count;
    ++tasks_[to_task].fanin;
}

void Runtime::record_tensor_pair(void* host_ptr, void* dev_ptr, size_t size) {
    if (tensor_pair_count_ >= RUNTIME_MAX_TENSOR_PAIRS) {
        fail_build(PTO_ERR_LIMIT_EXCEEDED,
                   "record_tensor_pair: already %d tensor pairs recorded, the limit",
                   RUNTIME_MAX_TENSOR_PAIRS);
        return;
    }
    if (host_ptr == nullptr || dev_ptr == nullptr) {
        fail_build(PTO_ERR_INVALID_ARGUMENT,
                   "record_tensor_pair: host pointer %p or device pointer %p is null", host_ptr,
                   dev_ptr);
        return;
    }
    tensor_pairs_[tensor_pair_count_++] = TensorPair{host_ptr, dev_ptr, size};
}

Task* Runtime::get_task(int task_id) {
    if (task_id < 0 || task_id >= task_count_) return nullptr;
    return &tasks_[task_id];
}

void Runtime::print_runtime() const {
    std::printf("Runtime: %d tasks, %u edges, %d tensor pairs\n", task_count_, edge_count_,
                tensor_pair_count_);
    for (int i = 0; i < task_count_; ++i) {
        const Task& t = tasks_[i];
        std::printf("  task %d: func_id %d on %s, %d args, fanin %d, successors:", t.task_id,
                    t.func_id, core_type_name(t.core_type), t.num_args, t.fanin);
        for (uint32_t e = 0; e < edge_count_; ++e) {
            if (edge_from_[e] == i) std::printf(" %d", edge_to_[e]);
        }
        std::printf("\n");
    }
}

int Runtime::prepare_launch(const LaunchConfig& config, KernelLookup lookup, char* message,
                            size_t message_size) {
    if (build_error_ != 0) {
        std::snprintf(message, message_size, "%s", build_error_message_);
        return build_error_;
    }
    // Every func_id must resolve before anything runs; name the first missing
    // one together with a task that uses it.
    for (int i = 0; i < task_count_; ++i) {
        Task& t = tasks_[i];
        t.function_bin_addr = lookup(t.func_id);
        if (t.function_bin_addr == 0) {
            std::snprintf(message, message_size,
                          "task %d uses func_id %d, which has no registered kernel; register "
                          "it (kernel_config.py KERNELS) before launching",
                          i, t.func_id);
            return PTO_ERR_UNREGISTERED_KERNEL;
        }
    }

    // Group edges by source task (counting sort keeps insertion order).
    std::free(successors_);
    successors_ =
        static_cast<int32_t*>(std::malloc((edge_count_ ? edge_count_ : 1) * sizeof(int32_t)));
    if (successors_ == nullptr) {
        std::snprintf(message, message_size, "out of memory for %u successor entries", edge_count_);
        return PTO_ERR_OUT_OF_MEMORY;
    }
    uint32_t offset = 0;
    for (int i = 0; i < task_count_; ++i) {
        tasks_[i].successor_begin = offset;
        offset += static_cast<uint32_t>(tasks_[i].fanout_count);
    }
    auto* filled =
        static_cast<uint32_t*>(std::calloc(task_count_ ? task_count_ : 1, sizeof(uint32_t)));
    if (filled == nullptr) {
        std::snprintf(message, message_size, "out of memory grouping %u edges", edge_count_);
        return PTO_ERR_OUT_OF_MEMORY;
    }
    for (uint32_t e = 0; e < edge_count_; ++e) {
        int32_t from = edge_from_[e];
        successors_[tasks_[from].successor_begin + filled[from]++] = edge_to_[e];
    }
    std::free(filled);

    block_dim_ = config.block_dim;
    aicpu_thread_num_ = config.aicpu_thread_num;
    timeout_ns_ = config.timeout_ns;
    if (!ready_[0].reset(task_count_) || !ready_[1].reset(task_count_)) {
        std::snprintf(message, message_size, "out of memory for the ready queues of %d tasks",
                      task_count_);
        return PTO_ERR_OUT_OF_MEMORY;
    }
    for (int i = 0; i < task_count_; ++i) {
        Task& t = tasks_[i];
        t.worker_id = -1;
        t.scheduler_thread = -1;
        t.ready_time = 0;
        t.dispatch_time = 0;
        t.start_time.store(0, std::memory_order_relaxed);
        t.end_time.store(0, std::memory_order_relaxed);
        t.remaining_fanin.store(t.fanin, std::memory_order_relaxed);
        t.state.store(static_cast<int32_t>(t.fanin == 0 ? TaskState::kReady : TaskState::kPending),
                      std::memory_order_relaxed);
        if (t.fanin == 0) ready_queue(t.core_type).push(t.task_id);
    }
    for (int w = 0; w < PLATFORM_MAX_WORKERS; ++w) {
        Handshake& h = workers_[w];
        h.aicpu_ready.store(0, std::memory_order_relaxed);
        h.aicore_done.store(0, std::memory_order_relaxed);
        h.task.store(0, std::memory_order_relaxed);
        h.task_status.store(0, std::memory_order_relaxed);
        h.control.store(0, std::memory_order_relaxed);
        h.core_type.store(-1, std::memory_order_relaxed);
        h.owner_thread.store(-1, std::memory_order_relaxed);
        h.fault_signal.store(0, std::memory_order_relaxed);
        h.fault_pc.store(0, std::memory_order_relaxed);
        h.fault_address.store(0, std::memory_order_relaxed);
    }
    next_scheduler_thread.store(0, std::memory_order_relaxed);
    completed_tasks.store(0, std::memory_order_relaxed);
    abort_status.store(0, std::memory_order_relaxed);
    stall_ns.store(0, std::memory_order_release);
    launch_start_ns.store(0, std::memory_order_release);
    return 0;
}

namespace {
size_t align64(size_t n) {
    return (n + 63) / 64 * 64;
}
}  // namespace

DeviceImageLayout Runtime::device_image_layout() const {
    DeviceImageLayout l{};
    size_t at = align64(sizeof(Runtime));
    l.tasks_offset = at;
    l.tasks_bytes = static_cast<size_t>(task_count_) * sizeof(Task);
    at = align64(at + l.tasks_bytes);
    l.successors_offset = at;
    l.successors_bytes = static_cast<size_t>(edge_count_) * sizeof(int32_t);
    at = align64(at + l.successors_bytes);
    for (int q = 0; q < 2; ++q) {
        l.ready_offset[q] = at;
        l.ready_bytes[q] = static_cast<size_t>(ready_[q].capacity()) * sizeof(std::atomic<int32_t>);
        at = align64(at + l.ready_bytes[q]);
    }
    l.total = at;
    return l;
}

void Runtime::write_device_image(uint8_t* staging, uint64_t device_base) const {
    DeviceImageLayout l = device_image_layout();
    std::memcpy(staging, static_cast<const void*>(this), sizeof(Runtime));
    if (l.tasks_bytes) std::memcpy(staging + l.tasks_offset, tasks_, l.tasks_bytes);
    if (l.successors_bytes)
        std::memcpy(staging + l.successors_offset, successors_, l.successors_bytes);
    for (int q = 0; q < 2; ++q) {
        if (l.ready_bytes[q])
            std::memcpy(staging + l.ready_offset[q], ready_[q].slots(), l.ready_bytes[q]);
    }
    // The staged Runtime's own pointers now name device memory; host-only
    // parts (the edge lists) are not part of the image.
    auto* staged = reinterpret_cast<Runtime*>(staging);
    staged->tasks_ = reinterpret_cast<Task*>(device_base + l.tasks_offset);
    staged->successors_ = reinterpret_cast<int32_t*>(device_base + l.successors_offset);
    for (int q = 0; q < 2; ++q) {
        staged->ready_[q].point_at(
            reinterpret_cast<std::atomic<int32_t>*>(device_base + l.ready_offset[q]));
    }
    staged->edge_from_ = nullptr;
    staged->edge_to_ = nullptr;
}

void Runtime::read_device_image(const uint8_t* staging, uint64_t device_base) {
    DeviceImageLayout l = device_image_layout();
    const auto* staged = reinterpret_cast<const Runtime*>(staging);
    if (l.tasks_bytes)
        std::memcpy(static_cast<void*>(tasks_), staging + l.tasks_offset, l.tasks_bytes);
    uint64_t device_tasks = device_base + l.tasks_offset;
    for (int w = 0; w < PLATFORM_MAX_WORKERS; ++w) {
        const Handshake& from = staged->workers_[w];
        Handshake& to = workers_[w];
        uint64_t task = from.task.load(std::memory_order_relaxed);
        if (task >= device_tasks && task < device_tasks + l.tasks_bytes) {
            task = reinterpret_cast<uint64_t>(tasks_) + (task - device_tasks);
        }
        to.task.store(task, std::memory_order_relaxed);
        to.task_status.store(from.task_status.load(std::memory_order_relaxed),
                             std::memory_order_relaxed);
        to.aicore_done.store(from.aicore_done.load(std::memory_order_relaxed),
                             std::memory_order_relaxed);
        to.core_type.store(from.core_type.load(std::memory_order_relaxed),
                           std::memory_order_relaxed);
        to.fault_signal.store(from.fault_signal.load(std::memory_order_relaxed),
                              std::memory_order_relaxed);
    }
    completed_tasks.store(staged->completed_tasks.load(std::memory_order_relaxed),
                          std::memory_order_relaxed);
    abort_status.store(staged->abort_status.load(std::memory_order_relaxed),
                       std::memory_order_relaxed);
    stall_ns.store(staged->stall_ns.load(std::memory_order_relaxed), std::memory_order_relaxed);
}
