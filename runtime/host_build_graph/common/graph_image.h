// The frozen task graph as the device reads it: one block, written once when
// init_runtime finishes and never changed after, used by every launch of
// the graph. Everything in it is an offset or an index, so the same bytes
// work at any address (host memory on the simulator, device memory on a2a3).
//
//   GraphImageHeader
//   GraphTask        tasks[task_count]
//   uint64_t         args[arg_words]          each task's arguments, packed
//   uint32_t         successors[edge_count]   grouped by source task (CSR)
//   int32_t          kernel_func_ids[kernel_count]
//   uint32_t         roots[2][...]            tasks without predecessors, AIC then AIV
#pragma once

#include <cstddef>
#include <cstdint>

#include "core_type.h"

constexpr uint64_t kGraphImageMagic = 0x5054'4f47'5241'5031ull;  // "PTOGRAP1"

struct GraphTask {
    uint32_t successor_begin;  // first index into successors
    uint32_t fanout;           // number of successors
    uint32_t fanin;            // number of predecessors (edges into the task)
    uint32_t kernel_slot;      // index into kernel_func_ids and a launch's kernel table
    uint32_t args_begin;       // first word in args
    uint16_t num_args;
    uint8_t core_type;  // CoreType
    uint8_t reserved;
};
static_assert(sizeof(GraphTask) == 24, "GraphTask is part of the device image layout");

struct GraphImageHeader {
    uint64_t magic;
    uint64_t total_bytes;
    uint32_t task_count;
    uint32_t kernel_count;  // distinct func_ids
    uint64_t edge_count;
    uint64_t arg_words;
    uint32_t tasks_of_type[2];  // by CoreType
    uint32_t roots_of_type[2];
    uint64_t tasks_offset;
    uint64_t args_offset;
    uint64_t successors_offset;
    uint64_t kernels_offset;
    uint64_t roots_offset[2];
};

// Typed access to an image at `base`.
struct GraphView {
    const GraphImageHeader* header;
    const GraphTask* tasks;
    const uint64_t* args;
    const uint32_t* successors;
    const int32_t* kernel_func_ids;
    const uint32_t* roots[2];

    static GraphView of(const void* base) {
        auto* bytes = static_cast<const uint8_t*>(base);
        auto* h = static_cast<const GraphImageHeader*>(base);
        GraphView v;
        v.header = h;
        v.tasks = reinterpret_cast<const GraphTask*>(bytes + h->tasks_offset);
        v.args = reinterpret_cast<const uint64_t*>(bytes + h->args_offset);
        v.successors = reinterpret_cast<const uint32_t*>(bytes + h->successors_offset);
        v.kernel_func_ids = reinterpret_cast<const int32_t*>(bytes + h->kernels_offset);
        v.roots[0] = reinterpret_cast<const uint32_t*>(bytes + h->roots_offset[0]);
        v.roots[1] = reinterpret_cast<const uint32_t*>(bytes + h->roots_offset[1]);
        return v;
    }
    uint32_t task_count() const { return header->task_count; }
    int32_t func_id(uint32_t task) const { return kernel_func_ids[tasks[task].kernel_slot]; }
    CoreType core_type(uint32_t task) const { return static_cast<CoreType>(tasks[task].core_type); }
};
