#include "host_launch.h"

#include <cstdio>
#include <cstring>

#include "kernel_names.h"
#include "launch_stop.h"
#include "platform_limits.h"
#include "pto_status.h"
#include "time_source.h"

namespace {

size_t align64(size_t n) {
    return (n + 63) / 64 * 64;
}

}  // namespace

int create_host_launch(const std::shared_ptr<FrozenGraph>& graph,
                       const RuntimeLaunchSettings& settings, std::shared_ptr<RuntimeLaunch>* out,
                       char* message, size_t message_size) {
    const GraphView g = graph->view();
    const GraphImageHeader& h = *g.header;
    const int workers = settings.block_dim * PLATFORM_CORES_PER_BLOCK;

    size_t at = align64(sizeof(LaunchBlock));
    const size_t kernels_offset = at;
    at = align64(at + h.kernel_count * sizeof(uint64_t));
    const size_t mailboxes_offset = at;
    at = align64(at + static_cast<size_t>(workers) * sizeof(Handshake));
    const size_t runs_offset = at;
    at = align64(at + static_cast<size_t>(h.task_count) * sizeof(TaskRun));
    size_t ready_slots_offset[2];
    for (int q = 0; q < 2; ++q) {
        ready_slots_offset[q] = at;
        at = align64(at + (h.tasks_of_type[q] - h.roots_of_type[q]) * sizeof(int32_t));
    }

    // Zero-filled: every task waiting, every mailbox idle, queues empty but
    // for the tasks ready from the start (the graph's list, counted in tail).
    DeviceBlock block;
    int rc = platform_device_blocks().allocate(at, &block, message, message_size);
    if (rc != 0) return rc;
    auto* b = reinterpret_cast<LaunchBlock*>(block.host);
    b->magic = kLaunchBlockMagic;
    b->total_bytes = at;
    b->graph = graph->image.device;
    b->timeout_ns = settings.timeout_ns;
    b->aicpu_thread_num = settings.aicpu_thread_num;
    b->block_dim = settings.block_dim;
    b->task_count = h.task_count;
    b->worker_count = static_cast<uint32_t>(workers);
    b->kernel_count = h.kernel_count;
    b->kernels_offset = kernels_offset;
    b->mailboxes_offset = mailboxes_offset;
    b->runs_offset = runs_offset;
    for (int q = 0; q < 2; ++q) {
        b->ready_slots_offset[q] = ready_slots_offset[q];
        b->ready[q].tail.store(h.roots_of_type[q], std::memory_order_relaxed);
    }
    *out = std::make_shared<HostLaunch>(graph, block);
    return 0;
}

HostLaunch::HostLaunch(std::shared_ptr<FrozenGraph> graph, DeviceBlock block)
    : graph_(std::move(graph)), block_(block), view_(LaunchView::of(block_.host, graph_->view())) {}

HostLaunch::~HostLaunch() {
    platform_device_blocks().release(block_);
}

int HostLaunch::kernel_count() const {
    return static_cast<int>(view_.block->kernel_count);
}

int32_t HostLaunch::kernel_func_id(int slot) const {
    return view_.graph.kernel_func_ids[slot];
}

int HostLaunch::first_task_of_kernel(int slot) const {
    return static_cast<int>(graph_->first_task_of_slot[static_cast<size_t>(slot)]);
}

void HostLaunch::set_kernel_entry(int slot, uint64_t entry) {
    view_.kernels[slot] = entry;
}

int HostLaunch::set_kernel_core_type(int slot, int core_type, char* message,
                                     size_t message_size) {
    const int other = core_type == 0 ? 1 : 0;
    const int32_t task = graph_->first_task_of_slot_on[static_cast<size_t>(slot)][other];
    if (task < 0) return 0;
    const int32_t func_id = kernel_func_id(slot);
    const char* name = kernel_name(func_id);
    std::snprintf(message, message_size,
                  "task %d runs func_id %d (%s) on %s, but the kernel is built for %s "
                  "(kernel_config.py core_type, pto_set_kernel_core_type): add the task with "
                  "CoreType::%s, or register the kernel for the core type it was written for "
                  "(nothing was run)",
                  task, func_id, name ? name : "no name", other == 0 ? "AIC" : "AIV",
                  core_type == 0 ? "AIC" : "AIV", core_type == 0 ? "AIC" : "AIV");
    return PTO_ERR_INVALID_ARGUMENT;
}

void HostLaunch::hold(std::shared_ptr<const void> keep_alive) {
    held_.push_back(std::move(keep_alive));
}

void HostLaunch::abort(int status) {
    LaunchBlock* b = view_.block;
    stop_launch(LaunchStopFields{b->abort_status, b->stall_ns, b->stopped_ns}, status, 0);
    for (int i = 0; i < b->aicpu_thread_num; ++i) pto_notify(&view_.scheduler_bell(i));
    stop_workers();
}

void HostLaunch::stop_workers() {
    for (uint32_t w = 0; w < view_.block->worker_count; ++w) {
        SchedulerLine& s = view_.mailboxes[w].sched;
        // Pairs with the worker's acquire load of control.
        s.control.store(1, std::memory_order_release);
        pto_notify(&s.bell);
    }
}

int HostLaunch::completed_tasks() const {
    return view_.block->completed_tasks.load(std::memory_order_acquire);
}

int HostLaunch::status() const {
    return view_.block->abort_status.load(std::memory_order_acquire);
}

double HostLaunch::stalled_seconds() const {
    return view_.block->stall_ns.load(std::memory_order_acquire) / 1e9;
}

TaskRecordView HostLaunch::record(uint32_t task) const {
    const GraphTask& g = view_.graph.tasks[task];
    const TaskRun& r = view_.runs[task];
    int32_t state = r.state.load(std::memory_order_relaxed);
    if (state == static_cast<int32_t>(TaskState::kWaiting) && g.fanin == 0) {
        state = static_cast<int32_t>(TaskState::kReady);
    }
    uint64_t ready = r.ready_time;
    if (ready == 0 && g.fanin == 0) ready = view_.block->start_ns.load(std::memory_order_acquire);
    uint64_t start = r.start_time;
    uint64_t end = r.end_time;
    if (state == static_cast<int32_t>(TaskState::kRunning) && r.worker > 0) {
        // Still on its worker (the launch stopped): the worker's line has
        // its start, if it got that far.
        OutstandingUnit units[2];
        const int count = mailbox_outstanding(view_.mailboxes[r.worker - 1], units);
        for (int i = 0; i < count; ++i) {
            if (units[i].task == task + 1u && units[i].started) start = units[i].start_time;
        }
    }
    return TaskRecordView{static_cast<int32_t>(task),
                          view_.graph.kernel_func_ids[g.kernel_slot],
                          static_cast<int32_t>(g.core_type),
                          r.worker - 1,
                          static_cast<int32_t>(g.fanin),
                          static_cast<int32_t>(g.fanout),
                          r.scheduler - 1,
                          state,
                          ready,
                          r.dispatch_time,
                          start,
                          end};
}
