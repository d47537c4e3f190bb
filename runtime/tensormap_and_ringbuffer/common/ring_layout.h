// The launch block of tensormap_and_ringbuffer: one device allocation the
// host lays out and the AICPU threads (one orchestrator, the rest
// schedulers) and AICore workers share. All memory a launch uses is in it,
// sized before the start: the device side never allocates.
//
//   TmLaunchBlock              settings, counters, doorbells, status
//   per ring r (0..3):
//     TaskSlot   slots[window_r]         a task's state; slot = number mod window
//     DepEntry   deps[dep_pool_r]        one per dependency edge, in submit order
//     uint8_t    heap[heap_r]            task arguments, descriptors, OUTPUT tensors
//   ReadyCell  ready[5][ready_capacity]  ready queues (AIC, AIV, MIX, cohort, retire)
//   KernelEntry kernels[kernel_count]    registered kernels, by func_id
//   Handshake  mailboxes[worker_count]
//   WorkerArgs worker_args[2 * worker_count] a block's argument copy per worker and dispatch slot
//   TaskRecord records[record_capacity]  the first tasks' traces
//   EdgeRecord edges[edge_capacity]      the first edges
//   orchestrator-only: tensor map buckets and entries, scope stack,
//   producer scratch and its dedup set
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "handshake.h"
#include "event_count.h"
#include "platform_limits.h"
#include "spmd_context.h"
#include "ready_queue.h"

constexpr uint64_t kTmLaunchMagic = 0x5054'4f54'4d52'4231ull;  // "PTOTMRB1"
constexpr int kRingCount = 4;

inline constexpr uint64_t task_id_of(int ring, uint64_t number) {
    return (static_cast<uint64_t>(ring) << 56) | number;
}
inline constexpr int ring_of(uint64_t id) {
    return static_cast<int>(id >> 56);
}
inline constexpr uint64_t number_of(uint64_t id) {
    return id & ((1ull << 56) - 1);
}

enum class SlotState : int32_t { kPending = 0, kReady = 1, kRunning = 2, kDone = 3 };

// What a task occupies (CLUSTER.md section 2): one AIC core, one AIV core,
// the active cores of one cluster (MIX), or nothing (a dummy task).
enum TaskShape : int8_t { kShapeAic = 0, kShapeAiv = 1, kShapeMix = 2, kShapeDummy = 3 };
// The ready queues: one per shape that runs a kernel, then the sync-start
// tasks (served first, as a cohort), then tasks retired without a kernel
// (dummies, and tasks whose predicate was false when they became ready).
enum ReadyQueueIndex : int {
    kQueueAic = 0,
    kQueueAiv = 1,
    kQueueMix = 2,
    kQueueCohort = 3,
    kQueueRetire = 4,
    kQueueCount = 5
};
// A task slot's `shape` byte: the TaskShape, and this bit when the task
// carries a ClusterTask (blocks, a MIX, sync start or a predicate).
constexpr int8_t kShapeClustered = 0x40;

// One task in its ring's window, two cache lines. The orchestrator writes
// the first before the task is published (its pending count dropping to
// zero, or the first edge to it from a producer's completion) and never
// again while the task lives; schedulers only read it. The second is the
// dependency state every thread updates. Nothing else lives here: the
// trace of a running task stays with the scheduler that dispatched it, so
// the orchestrator, refilling a slot, takes no line a scheduler writes per
// task but the one it must.
struct alignas(PLATFORM_CACHE_LINE) TaskSlot {
    uint64_t id;      // PTO2TaskId held by the slot
    uint64_t seq;     // submission order over all rings (records, graph export)
    uint64_t kernel;  // entry address; 0 for alloc_tensors (no kernel)
    uint64_t args;    // device address of the kernel's int64 argument words
    int32_t func_id;
    int8_t shape;           // TaskShape, | kShapeClustered
    uint8_t scope_depth;    // the scope instance the task was submitted in:
    uint16_t args_lines;    // cache lines from args the kernel reads (words, descriptors)
    uint32_t scope_serial;  // its depth and serial (the orchestrator's own)
    uint32_t dep_count;     // its entries in its ring's dependency pool,
    uint64_t dep_begin;     // from dep_begin (a pool counter)
    uint64_t heap_end;      // the ring's heap counter after this task's memory
    uint64_t dep_end() const { return dep_begin + dep_count; }

    // Dependency state.
    alignas(PLATFORM_CACHE_LINE)
        std::atomic<int32_t> pending;  // producers not done, + 1 while submitting
    std::atomic<int32_t> refs;         // scope + own completion + consumers holding its data
    std::atomic<int32_t> state;        // SlotState
    // Its consumers' DepEntry refs (ring << 56 | slot in pool + 1), pushed by
    // the orchestrator with a compare-exchange; kFanoutClosed once the task
    // completed (the completer takes the list with one exchange), so a
    // consumer linked after that finds it closed and needs no edge. No lock.
    std::atomic<uint64_t> fanout_head;
    std::atomic<uint64_t> consumed;  // id + 1 once nothing needs the task any more
};
constexpr uint64_t kFanoutClosed = ~0ull;
static_assert(sizeof(TaskSlot) == 2 * PLATFORM_CACHE_LINE, "a task slot is two cache lines");

inline int shape_of(const TaskSlot& s) {
    return s.shape & ~kShapeClustered;
}
inline bool is_clustered(const TaskSlot& s) {
    return (s.shape & kShapeClustered) != 0;
}

// What a task beyond one kernel on one core carries, in its heap piece
// just before its argument words (cluster_of). The first line is written
// by the orchestrator before the task is published and only read after;
// the second is the blocks' progress.
enum KernelSlot : int { kSlotAic = 0, kSlotAiv0 = 1, kSlotAiv1 = 2, kSlotCount = 3 };
struct alignas(PLATFORM_CACHE_LINE) ClusterTask {
    uint64_t kernels[kSlotCount];  // entry per slot; 0 = the slot is unused
    int32_t func_ids[kSlotCount];  // -1 = unused
    int32_t block_num;
    uint8_t slot_mask;             // bit per active KernelSlot
    uint8_t sync_start;            // all blocks start together (a cohort)
    uint8_t predicate_op;          // PredicateOp; 0 = none
    uint8_t predicate_bytes;       // width of the predicate's element
    uint8_t tensor_count, scalar_count;
    int64_t predicate_target;
    uint64_t predicate_addr;       // the element the predicate reads

    // The next block index to hand out: advanced by the one scheduler that
    // holds the task (popped from its queue; pushing it back publishes the
    // value), or, for a cohort, by every scheduler starting its share.
    alignas(PLATFORM_CACHE_LINE) std::atomic<int32_t> next_block;
    // Units (block x active slot) not finished yet; the one that brings it
    // to zero completes the task.
    std::atomic<int32_t> units_left;
    std::atomic<uint64_t> first_start_ns, last_end_ns;  // over all units
    // The block checker (block_check.h): the tensor arguments the task may
    // write (bit per argument: OUTPUT, INOUT), written by the orchestrator;
    // and the kernels of the block under check not finished yet.
    uint32_t written_mask;
    std::atomic<int32_t> check_units_left;
};
static_assert(sizeof(ClusterTask) == 2 * PLATFORM_CACHE_LINE, "a cluster task is two lines");

inline ClusterTask& cluster_of(const TaskSlot& s) {
    return *(reinterpret_cast<ClusterTask*>(s.args) - 1);
}
inline int slot_count(uint8_t mask) {
    return (mask & 1) + ((mask >> 1) & 1) + ((mask >> 2) & 1);
}

// One worker's copy of a block's arguments: what the kernel of a clustered
// task gets in place of the task's own words, so that slots 48 and 49
// point at this block's context and this core's lane. The descriptors are
// copied after the words, so one range from `words` covers what the kernel
// reads (handshake.h, step 2).
struct alignas(PLATFORM_CACHE_LINE) WorkerArgs {
    uint64_t words[PTO2_KERNEL_ARG_SLOTS];
    LocalContext local;
    GlobalContext global;  // the lane of the worker, written with each block
    alignas(PLATFORM_CACHE_LINE) uint8_t descs[32 * 128];
};
constexpr uint32_t kWorkerArgsHead = offsetof(WorkerArgs, descs);

// A scheduler hands out units of work by token (scheduler_core.h). A task
// of one kernel on one core is its task id. A unit of a clustered task,
// one kernel of one block, sets kUnitBit and packs the task's ring and
// number (below 2^40, checked at submit), the slot and the block index.
constexpr uint64_t kUnitBit = 1ull << 62;
constexpr uint64_t kUnitNumberLimit = 1ull << 40;
inline constexpr uint64_t unit_token(uint64_t id, int slot, int block) {
    return kUnitBit | number_of(id) | (static_cast<uint64_t>(ring_of(id)) << 40) |
           (static_cast<uint64_t>(slot) << 42) | (static_cast<uint64_t>(block) << 44);
}
inline constexpr bool is_unit(uint64_t token) {
    return (token & kUnitBit) != 0;
}
inline constexpr uint64_t unit_task(uint64_t token) {
    return task_id_of(static_cast<int>((token >> 40) & 3), token & (kUnitNumberLimit - 1));
}
inline constexpr int unit_slot(uint64_t token) {
    return static_cast<int>((token >> 42) & 3);
}
inline constexpr int unit_block(uint64_t token) {
    return static_cast<int>((token >> 44) & 0xffff);
}

// Two blocks of one task changed the same bytes (the block checker):
// device addresses [begin, end) of tensor argument `tensor`.
struct BlockRace {
    int32_t seq, block_a, block_b, tensor, elem_size;
    int32_t func_ids[kSlotCount];  // the task's kernels (-1: slot unused)
    uint64_t begin, end;
    uint64_t view;  // where the tensor's view starts
};

// The task the block checker runs one block at a time (one task at a time),
// and where its written tensors' bytes lie in the arena: a snapshot taken
// before each block, then who changed each byte (block + 1, uint16 each).
struct alignas(PLATFORM_CACHE_LINE) BlockCheckState {
    std::atomic<uint64_t> task;  // task id + 1 under check, 0 = none
    uint32_t spans;
    struct Span {
        uint64_t addr, bytes, at;  // device address, length, offset in the snapshot
        int32_t tensor, elem_size;
    } span[32];
    uint64_t total;  // snapshot bytes (the owner map follows: 2 per byte)
};

// The sync-start cohort being gathered (one at a time). `word` holds a
// generation in its high half (odd while a cohort gathers) and the units
// held for it in its low half; `task` is the cohort's task id + 1.
struct alignas(PLATFORM_CACHE_LINE) CohortState {
    std::atomic<uint64_t> task;
    std::atomic<uint64_t> word;
    std::atomic<int32_t> started;  // units of the cohort dispatched
};

// Where and when a task ran, kept by the scheduler that dispatched it and
// copied into the task's record when it completes.
struct TaskTrace {
    int32_t worker = -1, scheduler = -1;
    uint64_t dispatch_ns = 0, start_ns = 0, end_ns = 0;
};

// One edge producer -> consumer, allocated in the consumer's ring when the
// consumer is submitted. Reached from the producer's fanout list (next) and
// from the consumer's [dep_begin, dep_end) range.
struct DepEntry {
    uint64_t producer;  // PTO2TaskId
    uint64_t consumer;  // PTO2TaskId
    uint64_t
        next;  // next entry of the producer's fanout list: ring << 56 | slot in pool + 1, 0 = end
    uint64_t holds_ref;  // the consumer holds a reference on the producer
};

enum class OrchestratorWait : int32_t { kNone = 0, kTensorData = 1, kRoom = 2 };

// One slot of the per-task dedup set of producers (stamp = submission).
struct SeenSlot {
    uint64_t id;
    uint64_t stamp;
    uint32_t at;  // the producer's index in the producer list
};

// A producer-list entry's flag: the task owns memory the new task uses (it
// must not be reclaimed before the new task completes), not only an
// ordering edge. Task ids use the low 58 bits.
constexpr uint64_t kProducerOwnsMemory = 1ull << 63;

struct KernelEntry {
    int32_t func_id;
    int32_t core_type;  // the type it is registered for + 1; 0: not said
    uint64_t entry;
};

// The trace of one of the first record_capacity tasks (by seq).
struct TaskRecord {
    std::atomic<int32_t> state;  // SlotState + 1, 0 = never submitted
    int32_t func_id, core_type, worker, scheduler;
    std::atomic<int32_t> fanin;
    int32_t block_num, slot_mask;  // its blocks and active KernelSlots
    uint64_t ready_ns, dispatch_ns, start_ns, end_ns;
};
struct EdgeRecord {
    uint32_t from, to;  // seq
};
// One kernel of one block of a recorded clustered task, as it ran
// (BlockRecordView's layout: the host copies them as they are).
struct BlockRecord {
    int32_t seq, block_idx, block_num, slot, worker, scheduler, func_id, reserved;
    uint64_t dispatch_ns, start_ns, end_ns;
};

struct RingSettings {
    uint32_t window;    // power of two
    uint32_t dep_pool;  // entries
    uint64_t heap;      // bytes
    uint64_t slots_offset, deps_offset, heap_offset;
};

struct alignas(PLATFORM_CACHE_LINE) PaddedCounter {
    std::atomic<uint64_t> value;
};

// Orchestration fatal: the code (PTO2ErrorCode) and its one-paragraph report.
constexpr size_t kFatalMessageBytes = 1536;

struct alignas(PLATFORM_CACHE_LINE) TmLaunchBlock {
    // Written by the host before the launch.
    uint64_t magic;
    uint64_t total_bytes;
    uint64_t timeout_ns;
    int32_t aicpu_thread_num;
    int32_t block_dim;
    uint32_t worker_count;
    uint32_t serial;                         // 1: no task starts before the orchestration returned
    uint64_t orch_object, orch_object_size;  // device address and size of the .so bytes
    uint64_t orch_args;                      // device address of the ChipTaskArgs
    char entry_name[128];
    RingSettings rings[kRingCount];
    uint32_t ready_capacity;  // power of two
    uint32_t kernel_count;
    uint64_t ready_offset[kQueueCount];
    uint64_t worker_args_offset;  // WorkerArgs[2 * worker_count]: worker w's slot s at 2w + s
    uint64_t kernels_offset;         // KernelEntry[kernel_count], by func_id
    uint64_t kernel_entries_offset;  // uint64_t[kernel_count]: the same entries, for the platform
    uint64_t mailboxes_offset;
    uint32_t record_capacity, edge_capacity;
    uint64_t records_offset, edges_offset;
    uint32_t block_record_capacity;
    uint64_t block_records_offset;  // BlockRecord[block_record_capacity]
    // The block checker (pto-run --check-blocks): on when the arena has bytes.
    uint64_t check_arena_offset, check_arena_bytes;
    uint32_t race_capacity;
    uint64_t races_offset;  // BlockRace[race_capacity]
    // uint32_t[record_capacity]: consumers found per recorded task, counted
    // by the orchestrator alone (apart from the records the schedulers write).
    uint64_t fanouts_offset;
    uint32_t map_buckets, map_entries;
    uint64_t map_buckets_offset, map_entries_offset;
    uint64_t map_boxes_offset;   // AccessBox[map_entries], touched only for boxes kept aside
    uint32_t scope_capacity;     // tasks of open scopes
    uint32_t producer_capacity;  // producers of one task
    uint64_t scope_tasks_offset;
    uint64_t producers_offset;  // uint64_t[producer_capacity]
    uint64_t seen_offset;       // SeenSlot[2 * producer_capacity]
    // The block context of a one-block task: what argument slots 48 and 49
    // of every task point at (spmd_context.h).
    LocalContext one_block;
    GlobalContext first_lane;

    // Shared counters, each on a line of its own.
    alignas(PLATFORM_CACHE_LINE) std::atomic<int32_t> next_thread;
    alignas(PLATFORM_CACHE_LINE) std::atomic<uint64_t> submitted;  // tasks with kernels published
    alignas(PLATFORM_CACHE_LINE) std::atomic<uint64_t> completed;
    // Read by the schedulers on every pass: nothing written per task here.
    alignas(PLATFORM_CACHE_LINE) std::atomic<int32_t> orchestration_done;
    std::atomic<uint64_t> orch_start_ns, orch_end_ns;
    std::atomic<uint64_t> orch_wait_ns;  // of the orchestration's time, waiting
    // Where the orchestration's object was loaded (its ELF offsets count from
    // base), so the host can tell the orchestration's code in a lost
    // device's last words. Written before the entry is called.
    std::atomic<uint64_t> orch_object_base, orch_object_begin, orch_object_end;
    // Written by the orchestrator per task, read by the host after the run.
    alignas(PLATFORM_CACHE_LINE) std::atomic<uint64_t> seq_count;  // alloc_tensors included
    std::atomic<uint32_t> edges_seen;  // edges found (recorded up to edge_capacity)
    // Kernels of blocks finished (recorded up to block_record_capacity), by
    // the schedulers.
    alignas(PLATFORM_CACHE_LINE) std::atomic<uint32_t> block_records_seen;
    // What the orchestrator waits for (OrchestratorWait): a scheduler that
    // completes a task rings it only while it waits for tensor data.
    alignas(PLATFORM_CACHE_LINE) std::atomic<int32_t> orchestrator_waiting;
    alignas(PLATFORM_CACHE_LINE) std::atomic<int32_t> abort_status;
    std::atomic<int32_t> fatal_code;
    int32_t fatal_func_id;  // + 1, of the task the fatal is about; 0: none
    std::atomic<uint64_t> stall_ns, stopped_ns;
    char fatal_message[kFatalMessageBytes];
    PaddedCounter last_alive[kRingCount];  // per ring: tasks below are reclaimed
    // Per ring: last_alive + 1 at which the orchestrator, waiting for room,
    // wants its doorbell rung; 0 = it does not wait on this ring.
    PaddedCounter wake_at[kRingCount];
    PaddedDoorbell scheduler_bells[PLATFORM_MAX_AICPU_THREADS];
    // Per scheduler: 1 while it is idle and about to wait (its doorbell must
    // be rung for a task made ready); 0 while it polls the ready queues.
    PaddedCounter scheduler_armed[PLATFORM_MAX_AICPU_THREADS];
    PaddedDoorbell orchestrator_bell;
    PaddedCounter ready_head[kQueueCount], ready_tail[kQueueCount];
    CohortState cohort;
    // Tasks queued on the MIX, sync-start and retire queues (at least: it
    // is raised before a push and lowered after a pop), so a pass with none
    // looks at one line instead of probing each of those queues.
    PaddedCounter special_queued;
    BlockCheckState check;
    // Races found (recorded up to race_capacity), and tasks the checker could
    // not check (sync start, or more bytes to watch than its arena holds).
    alignas(PLATFORM_CACHE_LINE) std::atomic<uint32_t> races_seen;
    std::atomic<uint32_t> unchecked;
};

// Typed access to a launch block at `base` (the device address on the
// device, the host view on the host: the block holds offsets only, apart
// from the device addresses of the orchestration's bytes and arguments).
struct TmView {
    TmLaunchBlock* block;
    uint8_t* base;

    static TmView of(void* b) {
        return TmView{static_cast<TmLaunchBlock*>(b), static_cast<uint8_t*>(b)};
    }
    template <typename T>
    T* at(uint64_t offset) const {
        return reinterpret_cast<T*>(base + offset);
    }
    TaskSlot* slots(int ring) const { return at<TaskSlot>(block->rings[ring].slots_offset); }
    DepEntry* deps(int ring) const { return at<DepEntry>(block->rings[ring].deps_offset); }
    uint8_t* heap(int ring) const { return at<uint8_t>(block->rings[ring].heap_offset); }
    TaskSlot& slot(uint64_t id) const {
        int r = ring_of(id);
        return slots(r)[number_of(id) & (block->rings[r].window - 1)];
    }
    DepEntry& dep(uint64_t ref) const {  // ring << 56 | slot in the ring's pool
        return deps(ring_of(ref))[number_of(ref)];
    }
    ReadyQueue ready(int type) const {
        return ReadyQueue(at<ReadyCell>(block->ready_offset[type]), block->ready_capacity - 1,
                          &block->ready_head[type].value, &block->ready_tail[type].value);
    }
    KernelEntry* kernels() const { return at<KernelEntry>(block->kernels_offset); }
    Handshake* mailboxes() const { return at<Handshake>(block->mailboxes_offset); }
    WorkerArgs* worker_args() const { return at<WorkerArgs>(block->worker_args_offset); }
    TaskRecord* records() const { return at<TaskRecord>(block->records_offset); }
    EdgeRecord* edges() const { return at<EdgeRecord>(block->edges_offset); }
    BlockRecord* block_records() const { return at<BlockRecord>(block->block_records_offset); }
    uint8_t* check_arena() const { return at<uint8_t>(block->check_arena_offset); }
    BlockRace* races() const { return at<BlockRace>(block->races_offset); }
};
