// The state of one launch as the device sees it: one block the host builds
// before the launch, the AICPU schedulers and AICore workers share during
// it, and the host reads after it (records, status, diagnostics). Like the
// graph image it holds offsets, not pointers, except for `graph`, the
// device address of the graph image the launch runs.
//
//   LaunchBlock                header, counters and doorbells, each on its own line
//   uint64_t   kernels[kernel_count]   entry address per kernel slot
//   Handshake  mailboxes[worker_count]
//   TaskRun    runs[task_count]
//   int32_t    ready_slots[2][tasks of that core type not ready at the start]
//
// A launch block belongs to one launch; a new launch of the same graph gets
// a new block, so a worker that outlives its launch (a hung kernel on the
// simulator) only ever touches the block it was started with.
#pragma once

#include <atomic>
#include <cstdint>

#include "graph_image.h"
#include "handshake.h"
#include "event_count.h"
#include "platform_limits.h"
#include "ready_queue.h"

constexpr uint64_t kLaunchBlockMagic = 0x5054'4f4c'4155'4e31ull;  // "PTOLAUN1"

// Where a task is in its life in one launch. A fresh block is all zeros and
// that is every task's starting state: kWaiting (a task without
// predecessors is ready from the start, and the host reports it so).
enum class TaskState : int32_t { kWaiting = 0, kReady = 1, kRunning = 2, kDone = 3 };

// One task in one launch. Whichever scheduler completes a predecessor counts
// it in preds_done; the one that brings it to the task's fanin writes
// ready_time and queues the task. The dispatching scheduler (who also
// completes it: a worker has one owner) writes the rest. Zero means "not
// yet" everywhere, so a launch starts from zero-filled memory with no pass
// over its tasks.
struct TaskRun {
    std::atomic<uint32_t> preds_done;
    std::atomic<int32_t> state;  // TaskState
    int32_t worker;              // worker id + 1, 0 until dispatched
    int32_t scheduler;           // scheduler thread + 1, 0 until dispatched
    uint64_t ready_time;         // ns; 0 for tasks ready at the start (see LaunchBlock::start_ns)
    uint64_t dispatch_time;      // ns, handed to a worker
    uint64_t start_time;         // ns, kernel entered (the worker's stamp)
    uint64_t end_time;           // ns, kernel returned (the worker's stamp)
};

struct alignas(PLATFORM_CACHE_LINE) LaunchBlock {
    // Written by the host before the launch, read-only during it.
    uint64_t magic;
    uint64_t total_bytes;
    uint64_t graph;  // device address of the graph image
    uint64_t timeout_ns;
    int32_t aicpu_thread_num;
    int32_t block_dim;
    uint32_t task_count;
    uint32_t worker_count;
    uint32_t kernel_count;
    uint32_t reserved;
    uint64_t kernels_offset;
    uint64_t mailboxes_offset;
    uint64_t runs_offset;
    uint64_t ready_slots_offset[2];

    // Shared counters, each on a line of its own.
    alignas(PLATFORM_CACHE_LINE) std::atomic<int32_t> next_scheduler_thread;
    alignas(PLATFORM_CACHE_LINE) std::atomic<int32_t> completed_tasks;
    // Read by every scheduler loop, written once when the run stops; the
    // two stamps go with it.
    alignas(PLATFORM_CACHE_LINE) std::atomic<int32_t> abort_status;
    std::atomic<uint64_t> stall_ns;    // how long the run went without progress
    std::atomic<uint64_t> stopped_ns;  // device clock when the run was stopped
    // Written once by the first scheduler thread: the clock every root task
    // counts as ready from.
    alignas(PLATFORM_CACHE_LINE) std::atomic<uint64_t> start_ns;
    PaddedDoorbell scheduler_bells[PLATFORM_MAX_AICPU_THREADS];
    ReadyQueueEnds ready[2];
};

// Typed access to a launch block at `base`.
struct LaunchView {
    LaunchBlock* block;
    GraphView graph;
    uint64_t* kernels;
    Handshake* mailboxes;
    TaskRun* runs;
    std::atomic<int32_t>* ready_slots[2];

    // On the device side: the graph is found through the block.
    static LaunchView of(void* base) {
        return of(base, GraphView::of(
                            reinterpret_cast<const void*>(static_cast<LaunchBlock*>(base)->graph)));
    }
    // On the host: the block's host view with the graph's host view (the
    // block's `graph` is a device address there).
    static LaunchView of(void* base, const GraphView& graph) {
        auto* bytes = static_cast<uint8_t*>(base);
        auto* b = static_cast<LaunchBlock*>(base);
        LaunchView v;
        v.block = b;
        v.graph = graph;
        v.kernels = reinterpret_cast<uint64_t*>(bytes + b->kernels_offset);
        v.mailboxes = reinterpret_cast<Handshake*>(bytes + b->mailboxes_offset);
        v.runs = reinterpret_cast<TaskRun*>(bytes + b->runs_offset);
        v.ready_slots[0] =
            reinterpret_cast<std::atomic<int32_t>*>(bytes + b->ready_slots_offset[0]);
        v.ready_slots[1] =
            reinterpret_cast<std::atomic<int32_t>*>(bytes + b->ready_slots_offset[1]);
        return v;
    }
    ReadyQueue ready_queue(CoreType type) const {
        int q = static_cast<int>(type);
        return ReadyQueue(&block->ready[q], graph.roots[q], graph.header->roots_of_type[q],
                          ready_slots[q]);
    }
    EventCount& scheduler_bell(int thread) const { return block->scheduler_bells[thread].bell; }
    int block_dim() const { return block->block_dim; }
    CoreType worker_core_type(int worker) const {
        return worker < block->block_dim ? CoreType::AIC : CoreType::AIV;
    }
};

// Worker side: only the mailbox and the owner's doorbell, reached without
// GraphView (AICore never reads the graph image).
inline Handshake* launch_mailbox(void* base, int worker) {
    auto* b = static_cast<LaunchBlock*>(base);
    return reinterpret_cast<Handshake*>(static_cast<uint8_t*>(base) + b->mailboxes_offset) + worker;
}
