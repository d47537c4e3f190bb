// Freezing a built graph into its device image, once per graph: the work a
// launch used to repeat (grouping edges by task, validation) happens here.
#include <algorithm>
#include <cstdio>
#include <cstring>
#include <string>
#include <unordered_map>
#include <vector>

#include "frozen_graph.h"
#include "graph_builder.h"
#include "pto_status.h"

FrozenGraph::~FrozenGraph() {
    char ignored[256];
    for (const DeviceAllocation& a : allocations) {
        device_release(reinterpret_cast<void*>(a.base), a.id, ignored, sizeof ignored);
    }
    if (image.host != nullptr) platform_device_blocks().release(image);
}

namespace {

size_t align64(size_t n) {
    return (n + 63) / 64 * 64;
}

std::string describe(const GraphBuilder& b, int id) {
    return "task " + std::to_string(id) + " (func_id " + std::to_string(b.task(id).func_id) + ")";
}

// Tasks no topological order reaches lie on or behind a cycle. Walking
// predecessors among them must revisit a task; the walk from there is a
// cycle, reported from its lowest task id so one graph always reads the same.
std::string cycle_message(const GraphBuilder& b, const std::vector<uint32_t>& blocked_fanin,
                          int never_started) {
    int n = b.task_count();
    // Predecessors grouped by task, each group in edge insertion order.
    std::vector<uint32_t> begin(static_cast<size_t>(n) + 1, 0);
    for (size_t e = 0; e < b.edge_count(); ++e) ++begin[b.edge_to(e) + 1];
    for (int i = 0; i < n; ++i) begin[i + 1] += begin[i];
    std::vector<uint32_t> preds(b.edge_count());
    std::vector<uint32_t> fill(begin.begin(), begin.end() - 1);
    for (size_t e = 0; e < b.edge_count(); ++e) preds[fill[b.edge_to(e)]++] = b.edge_from(e);

    int start = -1;
    for (int i = 0; i < n && start < 0; ++i) {
        if (blocked_fanin[i] > 0) start = i;
    }
    std::vector<int> seen_at(static_cast<size_t>(n), -1);
    std::vector<int> walk;
    int current = start;
    while (seen_at[current] < 0) {
        seen_at[current] = static_cast<int>(walk.size());
        walk.push_back(current);
        int next = -1;
        for (uint32_t p = begin[current]; p < begin[current + 1]; ++p) {
            if (blocked_fanin[preds[p]] > 0) {
                next = static_cast<int>(preds[p]);
                break;
            }
        }
        current = next;  // a blocked task always has a blocked predecessor
    }
    std::vector<int> cycle(walk.begin() + seen_at[current], walk.end());
    std::vector<int> forward(cycle.rbegin(), cycle.rend());
    std::rotate(forward.begin(), std::min_element(forward.begin(), forward.end()), forward.end());
    forward.push_back(forward.front());
    std::string path;
    for (size_t i = 0; i < forward.size(); ++i) {
        if (i) path += " -> ";
        path += describe(b, forward[i]);
    }
    return "dependency cycle: " + path + "; " + std::to_string(never_started) +
           " task(s) could never start";
}

}  // namespace

namespace {

// The graph as the freeze reads it: in-degrees, successors grouped by
// source task, argument words, the kernel slot of each task.
struct GraphShape {
    std::vector<uint32_t> fanin;
    std::vector<uint32_t> succ_begin;  // n + 1 entries
    std::vector<uint32_t> successors;
    uint64_t arg_words = 0;
    std::vector<uint32_t> slot_of;
    std::vector<int32_t> func_ids;
};

// In-degrees from the edges, checked against each task's fanin (an
// orchestration can reach Task::fanin through get_task(), and a changed
// count means it misread the API), and each task's fields as get_task()
// left them.
int count_edges(const GraphBuilder& b, GraphShape* g, char* message, size_t message_size) {
    const int n = b.task_count();
    const size_t edges = b.edge_count();
    g->fanin.assign(static_cast<size_t>(n), 0);
    g->succ_begin.assign(static_cast<size_t>(n) + 1, 0);
    for (size_t e = 0; e < edges; ++e) {
        ++g->fanin[b.edge_to(e)];
        ++g->succ_begin[b.edge_from(e) + 1];
    }
    for (int i = 0; i < n; ++i) {
        if (static_cast<uint32_t>(b.task(i).fanin) != g->fanin[i]) {
            std::snprintf(message, message_size,
                          "%s has fanin %d but %u incoming edge(s); fanin is kept by "
                          "add_successor, do not change it",
                          describe(b, i).c_str(), b.task(i).fanin, g->fanin[i]);
            return PTO_ERR_INVALID_GRAPH;
        }
        const Task& t = b.task(i);
        if (t.num_args < 0 || t.num_args > b.limits().max_args ||
            (t.core_type != CoreType::AIC && t.core_type != CoreType::AIV) || t.func_id < 0 ||
            (t.num_args > 0 && t.args == nullptr)) {
            std::snprintf(message, message_size,
                          "%s was changed through get_task() to %d arguments%s, core type %d, "
                          "func_id %d; keep num_args in 0..%d with args pointing at them, a "
                          "core type of AIC or AIV and func_id >= 0",
                          describe(b, i).c_str(), t.num_args,
                          t.num_args > 0 && t.args == nullptr ? " at a null args pointer" : "",
                          static_cast<int>(t.core_type), t.func_id, b.limits().max_args);
            return PTO_ERR_INVALID_GRAPH;
        }
        // Counted from the tasks as they are now: get_task() may have
        // changed a task's argument count since add_task.
        g->arg_words += static_cast<uint64_t>(t.num_args);
        g->succ_begin[i + 1] += g->succ_begin[i];
    }
    if (g->arg_words > UINT32_MAX) {
        std::snprintf(message, message_size,
                      "the graph's tasks hold %llu argument words in all, the most one graph can "
                      "hold is %u",
                      static_cast<unsigned long long>(g->arg_words), UINT32_MAX);
        return PTO_ERR_LIMIT_EXCEEDED;
    }
    // Successors grouped by source task; a counting sort keeps each group in
    // the order its edges were added.
    g->successors.resize(edges);
    std::vector<uint32_t> fill(g->succ_begin.begin(), g->succ_begin.end() - 1);
    for (size_t e = 0; e < edges; ++e) g->successors[fill[b.edge_from(e)]++] = b.edge_to(e);
    return 0;
}

// Kahn's algorithm: whatever never reaches fanin 0 is blocked by a cycle.
int check_acyclic(const GraphBuilder& b, const GraphShape& g, char* message, size_t message_size) {
    const int n = b.task_count();
    std::vector<uint32_t> remaining(g.fanin);
    std::vector<uint32_t> order;
    order.reserve(static_cast<size_t>(n));
    for (int i = 0; i < n; ++i) {
        if (remaining[i] == 0) order.push_back(static_cast<uint32_t>(i));
    }
    for (size_t k = 0; k < order.size(); ++k) {
        uint32_t t = order[k];
        for (uint32_t s = g.succ_begin[t]; s < g.succ_begin[t + 1]; ++s) {
            if (--remaining[g.successors[s]] == 0) order.push_back(g.successors[s]);
        }
    }
    if (order.size() == static_cast<size_t>(n)) return 0;
    std::string text = cycle_message(b, remaining, n - static_cast<int>(order.size()));
    std::snprintf(message, message_size, "%s", text.c_str());
    return PTO_ERR_INVALID_GRAPH;
}

// One kernel slot per distinct func_id, in order of first use; per slot a
// task using it, and one on each core type.
void assign_kernel_slots(const GraphBuilder& b, GraphShape* g, FrozenGraph* frozen) {
    const int n = b.task_count();
    g->slot_of.resize(static_cast<size_t>(n));
    std::unordered_map<int32_t, uint32_t> slots;
    int32_t last_func = -1;
    uint32_t last_slot = 0;
    for (int i = 0; i < n; ++i) {
        int32_t f = b.task(i).func_id;
        if (f != last_func) {
            auto found = slots.emplace(f, static_cast<uint32_t>(g->func_ids.size()));
            if (found.second) {
                g->func_ids.push_back(f);
                frozen->first_task_of_slot.push_back(static_cast<uint32_t>(i));
                frozen->first_task_of_slot_on.push_back({-1, -1});
            }
            last_func = f;
            last_slot = found.first->second;
        }
        g->slot_of[i] = last_slot;
        const int type = b.task(i).core_type == CoreType::AIC ? 0 : 1;
        int32_t& on = frozen->first_task_of_slot_on[last_slot][type];
        if (on < 0) on = i;
    }
}

// The image's header: counts and where each part lies.
GraphImageHeader image_header(const GraphBuilder& b, const GraphShape& g) {
    const int n = b.task_count();
    GraphImageHeader h{};
    h.magic = kGraphImageMagic;
    h.task_count = static_cast<uint32_t>(n);
    h.kernel_count = static_cast<uint32_t>(g.func_ids.size());
    h.edge_count = g.successors.size();
    h.arg_words = g.arg_words;
    for (int i = 0; i < n; ++i) {
        int type = static_cast<int>(b.task(i).core_type);
        ++h.tasks_of_type[type];
        if (g.fanin[i] == 0) ++h.roots_of_type[type];
    }
    size_t at = align64(sizeof h);
    h.tasks_offset = at;
    at = align64(at + static_cast<size_t>(n) * sizeof(GraphTask));
    h.args_offset = at;
    at = align64(at + h.arg_words * sizeof(uint64_t));
    h.successors_offset = at;
    at = align64(at + g.successors.size() * sizeof(uint32_t));
    h.kernels_offset = at;
    at = align64(at + g.func_ids.size() * sizeof(int32_t));
    for (int q = 0; q < 2; ++q) {
        h.roots_offset[q] = at;
        at = align64(at + h.roots_of_type[q] * sizeof(uint32_t));
    }
    h.total_bytes = at;
    return h;
}

// Writes the image at `base`: the header, the tasks, their arguments, the
// roots of each core type, the successors and the kernels' func_ids.
void write_image(const GraphBuilder& b, const GraphShape& g, const GraphImageHeader& h,
                 uint8_t* base) {
    std::memcpy(base, &h, sizeof h);
    auto* tasks = reinterpret_cast<GraphTask*>(base + h.tasks_offset);
    auto* args = reinterpret_cast<uint64_t*>(base + h.args_offset);
    uint32_t arg_at = 0;
    uint32_t root_at[2] = {0, 0};
    uint32_t* roots[2] = {reinterpret_cast<uint32_t*>(base + h.roots_offset[0]),
                          reinterpret_cast<uint32_t*>(base + h.roots_offset[1])};
    for (int i = 0; i < b.task_count(); ++i) {
        const Task& t = b.task(i);
        GraphTask& task = tasks[i];
        task.successor_begin = g.succ_begin[i];
        task.fanout = g.succ_begin[i + 1] - g.succ_begin[i];
        task.fanin = g.fanin[i];
        task.kernel_slot = g.slot_of[i];
        task.args_begin = arg_at;
        task.num_args = static_cast<uint16_t>(t.num_args);
        task.core_type = static_cast<uint8_t>(t.core_type);
        task.reserved = 0;
        if (t.num_args > 0) std::memcpy(args + arg_at, t.args, t.num_args * sizeof(uint64_t));
        arg_at += static_cast<uint32_t>(t.num_args);
        if (g.fanin[i] == 0) {
            int type = static_cast<int>(t.core_type);
            roots[type][root_at[type]++] = static_cast<uint32_t>(i);
        }
    }
    if (!g.successors.empty()) {
        std::memcpy(base + h.successors_offset, g.successors.data(),
                    g.successors.size() * sizeof(uint32_t));
    }
    if (!g.func_ids.empty()) {
        std::memcpy(base + h.kernels_offset, g.func_ids.data(),
                    g.func_ids.size() * sizeof(int32_t));
    }
}

}  // namespace

int freeze_graph(const GraphBuilder& b, std::shared_ptr<FrozenGraph>* out, char* message,
                 size_t message_size) {
    GraphShape g;
    int rc = count_edges(b, &g, message, message_size);
    if (rc == 0) rc = check_acyclic(b, g, message, message_size);
    if (rc != 0) return rc;
    auto frozen = std::make_shared<FrozenGraph>();
    assign_kernel_slots(b, &g, frozen.get());
    const GraphImageHeader h = image_header(b, g);
    rc = platform_device_blocks().allocate(h.total_bytes, &frozen->image, message, message_size);
    if (rc != 0) return rc;
    write_image(b, g, h, frozen->image.host);
    rc = platform_device_blocks().publish(frozen->image, message, message_size);
    if (rc != 0) return rc;
    *out = std::move(frozen);
    return 0;
}
