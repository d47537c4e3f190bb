// Checks a built graph before anything is launched. Errors the Runtime API
// catches as they happen (limits, edges to missing tasks, self-edges) are in
// Runtime::build_error(); this adds what needs the whole graph.
//
// Duplicate edges are allowed and counted: every add_successor(a, b) adds
// one to b's fanin and one entry to a's successors, so b becomes ready
// exactly when each edge's source has completed.
#pragma once

#include <cstddef>

class Runtime;

// 0, or a negative status with a message naming tasks and func_ids.
int validate_graph(const Runtime& rt, int aic_workers, int aiv_workers, char* message,
                   size_t message_size);
