// A graph after init_runtime froze it: its device image (never written
// again) and the device memory its kernels use. Shared by the handle and by
// every launch of the graph, so it outlives a finalize while a launch that
// was abandoned (a worker still inside a kernel) may still use it.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <vector>

#include "device_memory.h"
#include "graph_image.h"

struct FrozenGraph {
    DeviceBlock image;
    // A task using each kernel slot, for messages naming a func_id; and per
    // slot and core type (0 AIC, 1 AIV) a task running it there, or -1.
    std::vector<uint32_t> first_task_of_slot;
    std::vector<std::array<int32_t, 2>> first_task_of_slot_on;
    // Device memory the orchestration allocated and did not free.
    std::vector<DeviceAllocation> allocations;

    FrozenGraph() = default;
    FrozenGraph(const FrozenGraph&) = delete;
    FrozenGraph& operator=(const FrozenGraph&) = delete;
    ~FrozenGraph();

    // The host's view of the image (what the host reads for records).
    GraphView view() const { return GraphView::of(image.host); }
};

class GraphBuilder;

// Validates the built graph (fanin kept by add_successor, no cycles) and
// writes its image: successors grouped by task, arguments packed, one
// kernel slot per distinct func_id. 0, or a negative status with a message
// naming the tasks involved.
int freeze_graph(const GraphBuilder& builder, std::shared_ptr<FrozenGraph>* out, char* message,
                 size_t message_size);
