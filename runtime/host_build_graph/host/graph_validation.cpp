#include "graph_validation.h"

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "pto_status.h"
#include "runtime.h"

namespace {

std::string describe(const Runtime& rt, int id) {
    const Task& t = *const_cast<Runtime&>(rt).get_task(id);
    return "task " + std::to_string(id) + " (func_id " + std::to_string(t.func_id) + ")";
}

// Tasks no topological order reaches lie on or behind a cycle. Walking
// predecessors among them must revisit a task; the walk from there is a cycle.
std::vector<int> find_cycle(const Runtime& rt, const std::vector<int>& blocked_fanin) {
    int n = rt.get_task_count();
    std::vector<std::vector<int>> preds(static_cast<size_t>(n));
    for (uint32_t e = 0; e < rt.edge_count(); ++e) {
        preds[static_cast<size_t>(rt.edge_to(e))].push_back(rt.edge_from(e));
    }
    int start = -1;
    for (int i = 0; i < n && start < 0; ++i) {
        if (blocked_fanin[static_cast<size_t>(i)] > 0) start = i;
    }
    std::vector<int> seen_at(static_cast<size_t>(n), -1);
    std::vector<int> walk;
    int current = start;
    while (seen_at[static_cast<size_t>(current)] < 0) {
        seen_at[static_cast<size_t>(current)] = static_cast<int>(walk.size());
        walk.push_back(current);
        int next = -1;
        for (int p : preds[static_cast<size_t>(current)]) {
            if (blocked_fanin[static_cast<size_t>(p)] > 0) {
                next = p;
                break;
            }
        }
        current = next;  // a blocked task always has a blocked predecessor
    }
    // walk[seen_at..] follows predecessor links; reverse it into edge order.
    std::vector<int> cycle(walk.begin() + seen_at[static_cast<size_t>(current)], walk.end());
    std::vector<int> forward(cycle.rbegin(), cycle.rend());
    // Start at the lowest task id, so the same graph always reads the same.
    auto lowest = std::min_element(forward.begin(), forward.end());
    std::rotate(forward.begin(), lowest, forward.end());
    forward.push_back(forward.front());
    return forward;
}

}  // namespace

int validate_graph(const Runtime& rt, int aic_workers, int aiv_workers, char* message,
                   size_t message_size) {
    int n = rt.get_task_count();
    Runtime& mutable_rt = const_cast<Runtime&>(rt);

    int first_aic = -1, first_aiv = -1;
    for (int i = 0; i < n; ++i) {
        CoreType type = mutable_rt.get_task(i)->core_type;
        if (type == CoreType::AIC && first_aic < 0) first_aic = i;
        if (type == CoreType::AIV && first_aiv < 0) first_aiv = i;
    }
    if (first_aic >= 0 && aic_workers == 0) {
        std::snprintf(message, message_size, "%s runs on AIC, but this launch has no AIC workers",
                      describe(rt, first_aic).c_str());
        return PTO_ERR_INVALID_GRAPH;
    }
    if (first_aiv >= 0 && aiv_workers == 0) {
        std::snprintf(message, message_size, "%s runs on AIV, but this launch has no AIV workers",
                      describe(rt, first_aiv).c_str());
        return PTO_ERR_INVALID_GRAPH;
    }

    // Kahn's algorithm: whatever never reaches fanin 0 is blocked by a cycle.
    std::vector<int> fanin(static_cast<size_t>(n), 0);
    std::vector<std::vector<int>> succ(static_cast<size_t>(n));
    for (uint32_t e = 0; e < rt.edge_count(); ++e) {
        ++fanin[static_cast<size_t>(rt.edge_to(e))];
        succ[static_cast<size_t>(rt.edge_from(e))].push_back(rt.edge_to(e));
    }
    // Orchestration code can reach Task::fanin through get_task(); a changed
    // count would make a task wait forever or start too early.
    for (int i = 0; i < n; ++i) {
        const Task& t = *mutable_rt.get_task(i);
        if (t.fanin != fanin[static_cast<size_t>(i)]) {
            std::snprintf(message, message_size,
                          "%s has fanin %d but %d incoming edge(s); fanin is kept by "
                          "add_successor, do not change it",
                          describe(rt, i).c_str(), t.fanin, fanin[static_cast<size_t>(i)]);
            return PTO_ERR_INVALID_GRAPH;
        }
    }
    std::vector<int> ready;
    for (int i = 0; i < n; ++i) {
        if (fanin[static_cast<size_t>(i)] == 0) ready.push_back(i);
    }
    int ordered = 0;
    while (!ready.empty()) {
        int t = ready.back();
        ready.pop_back();
        ++ordered;
        for (int s : succ[static_cast<size_t>(t)]) {
            if (--fanin[static_cast<size_t>(s)] == 0) ready.push_back(s);
        }
    }
    if (ordered == n) return 0;

    std::vector<int> cycle = find_cycle(rt, fanin);
    std::string path;
    for (size_t i = 0; i < cycle.size(); ++i) {
        if (i) path += " -> ";
        path += describe(rt, cycle[i]);
    }
    std::snprintf(message, message_size, "dependency cycle: %s; %d task(s) could never start",
                  path.c_str(), n - ordered);
    return PTO_ERR_INVALID_GRAPH;
}
