#include "tm_launch.h"

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <string>

#include "device_memory.h"
#include "kernel_names.h"
#include "launch_stop.h"
#include "platform_limits.h"
#include "pto_orchestration_api.h"
#include "pto_status.h"
#include "tensor_map.h"
#include "time_source.h"

namespace {

uint64_t align_to(uint64_t n, uint64_t a) {
    return (n + a - 1) / a * a;
}

// Races the block checker keeps (it counts all it finds).
constexpr uint32_t kRaceCapacity = 1024;

uint32_t next_power_of_two(uint64_t n) {
    uint32_t p = 1;
    while (p < n) p <<= 1;
    return p;
}

}  // namespace

namespace {

// Where everything of a launch block lies, for its ring sizes, workers and
// kernels; `bytes` in all.
struct TmBlockLayout {
    RingSettings rings[kRingCount];
    uint64_t kernels, kernel_entries, mailboxes, worker_args, ready[kQueueCount], records, edges,
        fanouts, block_records, check_arena, races;
    uint64_t buckets, entries, boxes, scope_tasks, producers, seen, bytes;
    uint64_t live_tasks;
    uint32_t ready_capacity, record_capacity, edge_capacity, producer_capacity, block_capacity;
};

// The rings from `at` on: each ring's slots, dependency pool and heap.
uint64_t lay_out_rings(const RingSizes& sizes, uint64_t at, TmBlockLayout* l,
                       uint32_t* largest_pool) {
    l->live_tasks = 0;
    *largest_pool = 1;
    for (int r = 0; r < kRingCount; ++r) {
        RingSettings& ring = l->rings[r];
        ring.window = sizes.window[r];
        ring.dep_pool = sizes.dep_pool[r];
        ring.heap = sizes.heap[r];
        ring.slots_offset = at;
        at = align_to(at + static_cast<uint64_t>(sizes.window[r]) * sizeof(TaskSlot), 64);
        ring.deps_offset = at;
        at = align_to(at + static_cast<uint64_t>(sizes.dep_pool[r]) * sizeof(DepEntry), 4096);
        ring.heap_offset = at;
        at = align_to(at + sizes.heap[r], 64);
        l->live_tasks += sizes.window[r];
        *largest_pool = std::max(*largest_pool, sizes.dep_pool[r]);
    }
    return at;
}

TmBlockLayout lay_out_block(const RingSizes& sizes, int workers, int kernels) {
    TmBlockLayout l{};
    // Each part starts on a cache line, after the one before it.
    uint64_t at = align_to(sizeof(TmLaunchBlock), 64);
    auto place = [&](uint64_t* offset, uint64_t bytes) {
        *offset = at;
        at = align_to(at + bytes, 64);
    };
    place(&l.kernels, static_cast<uint64_t>(kernels) * sizeof(KernelEntry));
    place(&l.kernel_entries, static_cast<uint64_t>(kernels) * sizeof(uint64_t));
    place(&l.mailboxes, static_cast<uint64_t>(workers) * sizeof(Handshake));
    place(&l.worker_args, 2 * static_cast<uint64_t>(workers) * sizeof(WorkerArgs));
    uint32_t largest_pool = 1;
    at = lay_out_rings(sizes, at, &l, &largest_pool);
    l.ready_capacity = next_power_of_two(l.live_tasks);
    for (int q = 0; q < kQueueCount; ++q) {
        place(&l.ready[q], static_cast<uint64_t>(l.ready_capacity) * sizeof(ReadyCell));
    }
    l.record_capacity = sizes.record_tasks;
    l.edge_capacity = sizes.record_tasks * 4;
    place(&l.records, static_cast<uint64_t>(l.record_capacity) * sizeof(TaskRecord));
    place(&l.edges, static_cast<uint64_t>(l.edge_capacity) * sizeof(EdgeRecord));
    place(&l.fanouts, static_cast<uint64_t>(l.record_capacity) * sizeof(uint32_t));
    l.block_capacity = sizes.record_tasks * 4;
    place(&l.block_records, static_cast<uint64_t>(l.block_capacity) * sizeof(BlockRecord));
    // The block checker's arena: a snapshot of the bytes it watches and
    // their owners (2 bytes each); none when it is off.
    place(&l.check_arena, sizes.check_bytes * 3);
    place(&l.races, sizes.check_bytes != 0 ? kRaceCapacity * sizeof(BlockRace) : 0);
    place(&l.buckets, static_cast<uint64_t>(sizes.map_buckets) * sizeof(uint32_t));
    place(&l.entries, static_cast<uint64_t>(sizes.map_entries) * sizeof(MapEntry));
    place(&l.boxes, static_cast<uint64_t>(sizes.map_entries) * sizeof(AccessBox));
    place(&l.scope_tasks, l.live_tasks * sizeof(uint64_t));
    l.producer_capacity = next_power_of_two(largest_pool);
    place(&l.producers, static_cast<uint64_t>(l.producer_capacity) * sizeof(uint64_t));
    place(&l.seen, 2ull * l.producer_capacity * sizeof(SeenSlot));
    l.bytes = at;
    return l;
}

// The header of a fresh (zero-filled) block: settings, sizes, offsets.
void write_header(TmLaunchBlock* b, const TmBlockLayout& l, const RingSizes& sizes,
                  const RuntimeLaunchSettings& settings, const TmInputs& inputs,
                  const std::string& entry_name) {
    b->magic = kTmLaunchMagic;
    b->total_bytes = l.bytes;
    b->one_block = LocalContext{};
    b->first_lane = GlobalContext{};
    b->timeout_ns = settings.timeout_ns;
    b->aicpu_thread_num = settings.aicpu_thread_num;
    b->block_dim = settings.block_dim;
    b->worker_count = static_cast<uint32_t>(settings.block_dim * PLATFORM_CORES_PER_BLOCK);
    b->serial = sizes.serial ? 1 : 0;
    b->orch_object = inputs.orchestration.device;
    b->orch_object_size = inputs.orchestration.size;
    b->orch_args = inputs.args.device;
    std::snprintf(b->entry_name, sizeof b->entry_name, "%s", entry_name.c_str());
    for (int r = 0; r < kRingCount; ++r) b->rings[r] = l.rings[r];
    b->ready_capacity = l.ready_capacity;
    b->kernel_count = static_cast<uint32_t>(settings.registered_count);
    for (int q = 0; q < kQueueCount; ++q) b->ready_offset[q] = l.ready[q];
    b->worker_args_offset = l.worker_args;
    b->kernels_offset = l.kernels;
    b->kernel_entries_offset = l.kernel_entries;
    b->mailboxes_offset = l.mailboxes;
    b->record_capacity = l.record_capacity;
    b->edge_capacity = l.edge_capacity;
    b->records_offset = l.records;
    b->edges_offset = l.edges;
    b->fanouts_offset = l.fanouts;
    b->block_record_capacity = l.block_capacity;
    b->block_records_offset = l.block_records;
    b->check_arena_offset = l.check_arena;
    b->check_arena_bytes = sizes.check_bytes * 3;
    b->race_capacity = sizes.check_bytes != 0 ? kRaceCapacity : 0;
    b->races_offset = l.races;
    b->map_buckets = sizes.map_buckets;
    b->map_entries = sizes.map_entries;
    b->map_buckets_offset = l.buckets;
    b->map_entries_offset = l.entries;
    b->map_boxes_offset = l.boxes;
    b->scope_capacity = static_cast<uint32_t>(l.live_tasks);
    b->producer_capacity = l.producer_capacity;
    b->scope_tasks_offset = l.scope_tasks;
    b->producers_offset = l.producers;
    b->seen_offset = l.seen;
}

}  // namespace

int create_tm_launch(const std::shared_ptr<TmInputs>& inputs, const std::string& entry_name,
                     const PtoRingSizes& ring_request, const RuntimeLaunchSettings& settings,
                     std::shared_ptr<RuntimeLaunch>* out, char* message, size_t message_size) {
    RingSizes sizes;
    int rc = read_ring_sizes(ring_request, &sizes, message, message_size);
    if (rc != 0) return rc;
    const TmBlockLayout layout = lay_out_block(
        sizes, settings.block_dim * PLATFORM_CORES_PER_BLOCK, settings.registered_count);
    DeviceBlock block;
    if ((rc = platform_device_blocks().allocate(layout.bytes, &block, message, message_size)) != 0) {
        return rc;
    }
    write_header(reinterpret_cast<TmLaunchBlock*>(block.host), layout, sizes, settings, *inputs,
                 entry_name);
    std::vector<int32_t> ids(settings.registered_func_ids,
                             settings.registered_func_ids + settings.registered_count);
    *out = std::make_shared<TmLaunch>(inputs, block, std::move(ids));
    return 0;
}

TmLaunch::TmLaunch(std::shared_ptr<TmInputs> inputs, DeviceBlock block,
                   std::vector<int32_t> func_ids)
    : inputs_(std::move(inputs)),
      block_(block),
      view_(TmView::of(block_.host)),
      func_ids_(std::move(func_ids)) {}

TmLaunch::~TmLaunch() {
    platform_device_blocks().release(block_);
}

void TmLaunch::set_kernel_entry(int slot, uint64_t entry) {
    view_.kernels()[slot] = KernelEntry{func_ids_[static_cast<size_t>(slot)], 0, entry};
    view_.at<uint64_t>(view_.block->kernel_entries_offset)[slot] = entry;
}

// Kept beside the entry; the orchestrator refuses a task of the other type.
int TmLaunch::set_kernel_core_type(int slot, int core_type, char*, size_t) {
    view_.kernels()[slot].core_type = core_type + 1;
    return 0;
}

uint64_t TmLaunch::kernel_table() const {
    return block_.device + view_.block->kernel_entries_offset;
}

void TmLaunch::hold(std::shared_ptr<const void> keep_alive) {
    held_.push_back(std::move(keep_alive));
}

void TmLaunch::abort(int status) {
    TmLaunchBlock* b = view_.block;
    stop_launch(LaunchStopFields{b->abort_status, b->stall_ns, b->stopped_ns}, status, 0);
    for (int i = 0; i < b->aicpu_thread_num; ++i) pto_notify(&b->scheduler_bells[i].bell);
    pto_notify(&b->orchestrator_bell.bell);
    stop_workers();
}

void TmLaunch::stop_workers() {
    Handshake* m = view_.mailboxes();
    for (uint32_t w = 0; w < view_.block->worker_count; ++w) {
        // Pairs with the worker's acquire load of control.
        m[w].sched.control.store(1, std::memory_order_release);
        pto_notify(&m[w].sched.bell);
    }
}

PtoRingSizes TmLaunch::ring_sizes() const {
    PtoRingSizes out{};
    const TmLaunchBlock* b = view_.block;
    for (int r = 0; r < kRingCount; ++r) {
        out.task_window[r] = b->rings[r].window;
        out.dep_pool[r] = b->rings[r].dep_pool;
        out.heap_bytes[r] = b->rings[r].heap;
    }
    out.tensormap_entries = b->map_entries;
    return out;
}

int TmLaunch::completed_tasks() const {
    return static_cast<int>(std::min<uint64_t>(
        view_.block->completed.load(std::memory_order_acquire), 0x7fffffff));
}

// Completions and submissions both count: an orchestration busy submitting
// is progress.
uint64_t TmLaunch::progress_mark() const {
    return view_.block->completed.load(std::memory_order_acquire) +
           view_.block->seq_count.load(std::memory_order_acquire);
}

int TmLaunch::submitted() const {
    return static_cast<int>(
        std::min<uint64_t>(view_.block->submitted.load(std::memory_order_acquire), 0x7fffffff));
}

void TmLaunch::orchestration_stats(PtoOrchestrationStats* out) const {
    const TmLaunchBlock* b = view_.block;
    // Pairs with the orchestrator's release store of orchestration_done,
    // which follows its stores of the times.
    if (b->orchestration_done.load(std::memory_order_acquire) == 0) return;
    uint64_t start = b->orch_start_ns.load(std::memory_order_relaxed);
    uint64_t end = b->orch_end_ns.load(std::memory_order_relaxed);
    out->tasks = b->submitted.load(std::memory_order_relaxed);
    out->elapsed_ns = end > start ? end - start : 0;
    out->waiting_ns = b->orch_wait_ns.load(std::memory_order_relaxed);
}

int TmLaunch::completed() const {
    return static_cast<int>(
        std::min<uint64_t>(view_.block->completed.load(std::memory_order_acquire), 0x7fffffff));
}

int TmLaunch::task_count() const {
    return submitted();
}

// A run that ended well but whose block checker found races fails with them.
int TmLaunch::status() const {
    const int status = view_.block->abort_status.load(std::memory_order_acquire);
    if (status == 0 && view_.block->races_seen.load(std::memory_order_acquire) > 0)
        return PTO_ERR_BLOCK_RACE;
    return status;
}

double TmLaunch::stalled_seconds() const {
    return view_.block->stall_ns.load(std::memory_order_acquire) / 1e9;
}

int TmLaunch::recorded_tasks() const {
    uint64_t n = view_.block->seq_count.load(std::memory_order_acquire);
    return static_cast<int>(std::min<uint64_t>(n, view_.block->record_capacity));
}

int TmLaunch::recorded_edges() const {
    uint64_t n = view_.block->edges_seen.load(std::memory_order_acquire);
    return static_cast<int>(std::min<uint64_t>(n, view_.block->edge_capacity));
}

TaskRecordView TmLaunch::record(int seq) const {
    const TaskRecord& r = view_.records()[seq];
    int32_t state = r.state.load(std::memory_order_acquire) - 1;
    return TaskRecordView{
        seq,
        r.func_id,
        r.core_type,
        r.worker,
        r.fanin.load(std::memory_order_relaxed),
        static_cast<int32_t>(view_.at<uint32_t>(view_.block->fanouts_offset)[seq]),
        r.scheduler,
        state < 0 ? 0 : state,
        r.ready_ns,
        r.dispatch_ns,
        r.start_ns,
        r.end_ns,
        r.block_num,
        r.slot_mask};
}

int TmLaunch::recorded_blocks() const {
    uint64_t n = view_.block->block_records_seen.load(std::memory_order_acquire);
    return static_cast<int>(std::min<uint64_t>(n, view_.block->block_record_capacity));
}

BlockRecordView TmLaunch::block_record(int i) const {
    const BlockRecord& r = view_.block_records()[i];
    return BlockRecordView{r.seq,       r.block_idx, r.block_num,   r.slot,
                           r.worker,    r.scheduler, r.func_id,     0,
                           r.dispatch_ns, r.start_ns, r.end_ns};
}

int32_t TmLaunch::func_id_of_seq(uint64_t seq) const {
    if (seq < view_.block->record_capacity) return view_.records()[seq].func_id;
    const TaskSlot* s = slot_of_seq(seq);
    return s != nullptr ? s->func_id : -1;
}

// The live slot of task `seq`, or null once it is reclaimed.
const TaskSlot* TmLaunch::slot_of_seq(uint64_t seq) const {
    for (int r = 0; r < kRingCount; ++r) {
        const TaskSlot* slots = view_.slots(r);
        for (uint32_t i = 0; i < view_.block->rings[r].window; ++i) {
            if (slots[i].seq == seq && slots[i].shape >= 0) return &slots[i];
        }
    }
    return nullptr;
}

// The ClusterTask of a live clustered task, through the host's view of the
// block (the slot holds device addresses).
const ClusterTask* TmLaunch::cluster_task_of(const TaskSlot& s) const {
    if (!is_clustered(s) || s.args < block_.device + sizeof(ClusterTask) ||
        s.args >= block_.device + block_.size) {
        return nullptr;
    }
    return reinterpret_cast<const ClusterTask*>(view_.base + (s.args - block_.device)) - 1;
}

int TmLaunch::running_tasks(RunningTask* out, int capacity) const {
    int n = 0;
    const Handshake* m = view_.mailboxes();
    uint64_t stopped = view_.block->stopped_ns.load(std::memory_order_acquire);
    if (stopped == 0) stopped = pto_now_ns();
    for (uint32_t w = 0; w < view_.block->worker_count; ++w) {
        OutstandingUnit units[2];
        const int count = mailbox_outstanding(m[w], units);
        for (int i = 0; i < count && n < capacity; ++i) {
            const OutstandingUnit& u = units[i];
            if (u.task == 0) continue;
            out[n++] = RunningTask{static_cast<int>(u.task - 1), func_id_of_seq(u.task - 1),
                                   static_cast<int>(w), u.started,
                                   u.started && stopped > u.start_time ? stopped - u.start_time : 0,
                                   u.slot};
        }
    }
    return n;
}

bool TmLaunch::find_fault(KernelFaultRecord* record) const {
    const Handshake* m = view_.mailboxes();
    for (uint32_t w = 0; w < view_.block->worker_count; ++w) {
        uint64_t task = 0, kernel = 0;
        if (!mailbox_faulted_unit(m[w], &task, &kernel)) continue;
        record->task_id = static_cast<int>(task - 1);
        record->func_id = func_id_of_seq(task - 1);
        record->worker_id = static_cast<int>(w);
        record->signal = m[w].work.fault_signal.load(std::memory_order_acquire);
        record->pc = m[w].fault.pc.load(std::memory_order_relaxed);
        record->address = m[w].fault.address.load(std::memory_order_relaxed);
        record->kernel_entry = kernel;
        record->access = m[w].work.fault_access.load(std::memory_order_relaxed);
        return true;
    }
    return false;
}

bool TmLaunch::orchestration_state(OrchestrationState* out) const {
    const TmLaunchBlock* b = view_.block;
    out->running = b->orch_start_ns.load(std::memory_order_acquire) != 0 &&
                   b->orchestration_done.load(std::memory_order_acquire) == 0;
    out->submitted = b->submitted.load(std::memory_order_acquire);
    // Pairs with the orchestrator's release store of orch_object_end.
    out->object_end = b->orch_object_end.load(std::memory_order_acquire);
    out->object_begin = b->orch_object_begin.load(std::memory_order_relaxed);
    out->object_base = b->orch_object_base.load(std::memory_order_relaxed);
    return true;
}

bool TmLaunch::describe_failure(char* message, size_t message_size) const {
    if (view_.block->fatal_code.load(std::memory_order_acquire) == 0) {
        return describe_races(message, message_size);
    }
    int n = std::snprintf(message, message_size, "the orchestration stopped the run: %.*s",
                          static_cast<int>(kFatalMessageBytes), view_.block->fatal_message);
    // The device knows the func_id of the task it refused, the host its
    // kernel's name.
    const int32_t func_id = view_.block->fatal_func_id - 1;
    const char* name = func_id >= 0 ? kernel_name(func_id) : nullptr;
    if (name != nullptr && n > 0 && static_cast<size_t>(n) < message_size) {
        std::snprintf(message + n, message_size - static_cast<size_t>(n), " (func_id %d is %s)",
                      func_id, name);
    }
    return true;
}

// What the block checker found: each range of bytes two blocks of one task
// both changed, with the task, its kernel, the blocks, the tensor argument
// and where in its device buffer (by name when the runner named it).
bool TmLaunch::describe_races(char* message, size_t message_size) const {
    const uint32_t seen = view_.block->races_seen.load(std::memory_order_acquire);
    if (seen == 0) return false;
    std::string text = std::to_string(seen) +
                       " range(s) of bytes were changed by two blocks of one task (on the device "
                       "those blocks run at once, and the result depends on which writes last):";
    const uint32_t kept = std::min(seen, view_.block->race_capacity);
    for (uint32_t i = 0; i < kept && i < 16; ++i) {
        const BlockRace& r = view_.races()[i];
        std::string where;
        DeviceAllocation a{};
        if (device_allocation_containing(reinterpret_cast<const void*>(r.begin), &a)) {
            const uint64_t first = r.begin - a.base, last = r.end - a.base - 1;
            where = "bytes " + std::to_string(first) + ".." + std::to_string(last) + " of " +
                    (a.name != nullptr ? "tensor '" + std::string(a.name) + "'"
                                       : "device_malloc #" + std::to_string(a.id));
            if (r.elem_size > 0) {
                const uint64_t e0 = first / r.elem_size, e1 = last / r.elem_size;
                where += e0 == e1 ? " (element " + std::to_string(e0) + ")"
                                  : " (elements " + std::to_string(e0) + ".." + std::to_string(e1) + ")";
            }
        } else {
            // Memory the runtime allocated (an OUTPUT it made): the place in the view.
            const uint64_t first = r.begin - r.view, last = r.end - r.view - 1;
            where = "bytes " + std::to_string(first) + ".." + std::to_string(last) +
                    " of the output the runtime allocated";
            if (r.elem_size > 0) {
                const uint64_t e0 = first / r.elem_size, e1 = last / r.elem_size;
                where += e0 == e1 ? " (element " + std::to_string(e0) + ")"
                                  : " (elements " + std::to_string(e0) + ".." + std::to_string(e1) + ")";
            }
        }
        std::string kernels;
        static const char* const slot_names[kSlotCount] = {"AIC", "AIV0", "AIV1"};
        int used = 0;
        for (int k = 0; k < kSlotCount; ++k) used += r.func_ids[k] >= 0;
        for (int k = 0; k < kSlotCount; ++k) {
            if (r.func_ids[k] < 0) continue;
            const char* name = kernel_name(r.func_ids[k]);
            if (!kernels.empty()) kernels += "; ";
            if (used > 1) kernels += std::string(slot_names[k]) + " ";
            kernels += "func_id " + std::to_string(r.func_ids[k]) + (name ? std::string(", ") + name : "");
        }
        text += "\n  task #" + std::to_string(r.seq) + " (" + kernels + "): blocks " +
                std::to_string(r.block_a) + " and " + std::to_string(r.block_b) + " both changed " +
                where + " (tensor argument " + std::to_string(r.tensor) + ")";
    }
    if (seen > 16) text += "\n  ... and " + std::to_string(seen - 16) + " more";
    text += "\ngive each block its own bytes (index by get_block_idx(args)), or one block the shared ones";
    std::snprintf(message, message_size, "%s", text.c_str());
    return true;
}

namespace {

const char* waiting_text(int32_t wait) {
    switch (static_cast<OrchestratorWait>(wait)) {
        case OrchestratorWait::kTensorData:
            return "was waiting for tensor data (get_tensor_data / set_tensor_data)";
        case OrchestratorWait::kRoom:
            return "was waiting for ring space (tasks to retire)";
        default:
            return "was still submitting";
    }
}

}  // namespace

namespace {

constexpr int kMaxListed = 8;

const char* slot_state_text(int32_t state) {
    switch (static_cast<SlotState>(state)) {
        case SlotState::kPending:
            return "waiting for its producers";
        case SlotState::kReady:
            return "ready";
        case SlotState::kRunning:
            return "running";
        case SlotState::kDone:
            return "done, still read by a later task or its scope is open";
    }
    return "unknown";
}

std::string kernel_text(int32_t func_id, KernelNameLookup names) {
    const char* name = names ? names(func_id) : nullptr;
    return "func_id " + std::to_string(func_id) + (name ? std::string(", ") + name : "");
}

}  // namespace

// The same shape as host_build_graph's report; tasks are named by their
// submission number (#0 is the orchestration's first task).
void TmLaunch::report_stall(FILE* out, KernelNameLookup names) const {
    const TmLaunchBlock* b = view_.block;
    uint64_t submitted_now = b->submitted.load(std::memory_order_acquire);
    uint64_t completed_now = b->completed.load(std::memory_order_acquire);
    bool done = b->orchestration_done.load(std::memory_order_acquire) != 0;
    const int32_t wait = b->orchestrator_waiting.load(std::memory_order_acquire);
    if (!done && completed_now >= submitted_now &&
        static_cast<OrchestratorWait>(wait) == OrchestratorWait::kNone) {
        // Nothing for the devices to do and nothing asked of the runtime:
        // the orchestration's own code is what runs (or spins).
        // Nothing else to report: no task is left, running or waiting.
        std::fprintf(out,
                     "no task completed and none submitted for %.1f s: all %" PRIu64
                     " submitted tasks are done, and the orchestration has not returned\n",
                     stalled_seconds(), submitted_now);
        std::fprintf(out,
                     "diagnosis: the orchestration never returned: it runs its own code, not "
                     "waiting for the runtime (a loop that does not end, or work between "
                     "submits longer than the run's timeout)\n");
        return;
    } else {
        std::fprintf(out,
                     "no task completed for %.1f s: %" PRIu64 " of %" PRIu64
                     " submitted tasks done; the orchestration %s\n",
                     stalled_seconds(), completed_now, submitted_now,
                     done ? "had returned" : waiting_text(wait));
    }
    std::fprintf(out,
                 "ready, waiting for a worker: %" PRIu64 " AIC task(s), %" PRIu64
                 " AIV task(s), %" PRIu64 " MIX task(s), %" PRIu64 " sync-start task(s)\n",
                 view_.ready(kQueueAic).size(), view_.ready(kQueueAiv).size(),
                 view_.ready(kQueueMix).size(), view_.ready(kQueueCohort).size());
    report_cohort(out, names);
    // Up to two units per worker: the running one and the one queued behind.
    RunningTask running[2 * PLATFORM_MAX_WORKERS];
    int n = running_tasks(running, 2 * PLATFORM_MAX_WORKERS);
    uint64_t blocked[2 * PLATFORM_MAX_WORKERS];
    int clustered = 0;
    int inside = 0;  // workers inside a kernel
    for (int i = 0; i < n; ++i) {
        const RunningTask& r = running[i];
        bool aic = r.worker_id < b->block_dim;
        const int index = aic ? r.worker_id : r.worker_id - b->block_dim;
        const TaskSlot* s = slot_of_seq(static_cast<uint64_t>(r.task_id));
        std::string block;
        if (s != nullptr && cluster_task_of(*s) != nullptr) {
            const LocalContext& local = view_.worker_args()[2 * r.worker_id + r.slot].local;
            block = " block " + std::to_string(local.block_idx) + " of " +
                    std::to_string(local.block_num) + " of";
            bool listed = false;
            for (int k = 0; k < clustered; ++k) listed = listed || blocked[k] == s->seq;
            if (!listed) blocked[clustered++] = s->seq;
        }
        inside += r.started;
        std::fprintf(out, "  busy: worker %d (%s %d) runs%s task #%d, %s, for %.1f s%s\n",
                     r.worker_id, aic ? "AIC" : "AIV", index, block.c_str(), r.task_id,
                     kernel_text(r.func_id, names).c_str(), r.running_ns / 1e9,
                     r.started ? "" : " (not yet started by the worker)");
    }
    // Each task with blocks running: how many are still to start.
    for (int k = 0; k < clustered; ++k) {
        const TaskSlot* s = slot_of_seq(blocked[k]);
        const ClusterTask* ct = s != nullptr ? cluster_task_of(*s) : nullptr;
        if (ct == nullptr) continue;
        const int32_t handed = std::min(ct->next_block.load(std::memory_order_acquire), ct->block_num);
        std::fprintf(out,
                     "  blocks: task #%" PRIu64 " has %d block(s): %d handed to cores, %d waiting "
                     "%s, %d kernel(s) unfinished\n",
                     s->seq, ct->block_num, handed, ct->block_num - handed,
                     b->check_arena_bytes != 0 ? "(--check-blocks runs one block at a time)"
                                               : "for a core",
                     ct->units_left.load(std::memory_order_acquire));
    }
    report_waiting(out, names);
    // Per ring with a live task: the oldest, which holds the ring's
    // reclamation back (rings no task was submitted to are left out).
    for (int r = 0; r < kRingCount; ++r) {
        uint64_t last = b->last_alive[r].value.load(std::memory_order_acquire);
        const TaskSlot& s = view_.slots(r)[last & (b->rings[r].window - 1)];
        if (s.id != task_id_of(r, last) || s.seq == ~0ull) continue;
        std::fprintf(out, "  ring %d (scope depth %d%s): oldest live task #%" PRIu64 ", %s\n", r,
                     r + 1, r + 1 == kRingCount ? " and deeper" : "", s.seq,
                     slot_state_text(s.state.load(std::memory_order_acquire)));
    }
    if (inside > 0 || n > 0) {
        std::fprintf(out,
                     "diagnosis: hung kernel: %d worker(s) inside a kernel that has not returned\n",
                     inside > 0 ? inside : n);
    } else {
        std::fprintf(out,
                     "diagnosis: deadlock: no worker is busy; submitted tasks wait on producers "
                     "that never finish\n");
    }
}

// A sync-start cohort gathering its cores, if one is.
void TmLaunch::report_cohort(FILE* out, KernelNameLookup names) const {
    const CohortState& c = view_.block->cohort;
    const uint64_t word = c.word.load(std::memory_order_acquire);
    const uint64_t task = c.task.load(std::memory_order_acquire);
    if (((word >> 32) & 1) == 0 || task == 0) return;
    const TaskSlot& s = view_.slot(task - 1);
    const ClusterTask* ct = cluster_task_of(s);
    std::fprintf(out,
                 "  cohort: sync-start task #%" PRIu64 ", %s, holds %u of its %d block(s)' cores; "
                 "nothing else starts until it has all\n",
                 s.seq, kernel_text(s.func_id, names).c_str(), static_cast<uint32_t>(word),
                 ct != nullptr ? ct->block_num : -1);
}

// Recorded tasks still waiting for producers, with the producers not done
// (from the recorded edges), as host_build_graph lists them.
void TmLaunch::report_waiting(FILE* out, KernelNameLookup names) const {
    const TmLaunchBlock* b = view_.block;
    const uint64_t recorded =
        std::min<uint64_t>(b->seq_count.load(std::memory_order_acquire), b->record_capacity);
    const TaskRecord* records = view_.records();
    const uint32_t edges =
        std::min(b->edges_seen.load(std::memory_order_acquire), b->edge_capacity);
    auto state_of = [&](uint64_t seq) {
        return records[seq].state.load(std::memory_order_acquire) - 1;
    };
    int waiting = 0;
    for (uint64_t t = 0; t < recorded; ++t) {
        if (state_of(t) != static_cast<int32_t>(SlotState::kPending)) continue;
        if (++waiting > kMaxListed) continue;
        std::string on;
        for (uint32_t e = 0; e < edges; ++e) {
            const EdgeRecord& edge = view_.edges()[e];
            if (edge.to != t) continue;
            if (state_of(edge.from) == static_cast<int32_t>(SlotState::kDone)) continue;
            on += (on.empty() ? "#" : ", #") + std::to_string(edge.from);
        }
        std::fprintf(out, "  waiting: task #%" PRIu64 ", %s, on task(s) %s\n", t,
                     kernel_text(records[t].func_id, names).c_str(),
                     on.empty() ? "(not recorded)" : on.c_str());
    }
    if (waiting > kMaxListed) {
        std::fprintf(out, "  ... and %d more waiting tasks\n", waiting - kMaxListed);
    }
}
