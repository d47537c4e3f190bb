// The limits a graph is built under, and how a user raises each.
#pragma once

#include <cstddef>
#include <cstdio>

#include "runtime.h"

struct GraphLimits {
    int max_tasks = RUNTIME_DEFAULT_MAX_TASKS;
    int max_successors = RUNTIME_DEFAULT_MAX_SUCCESSORS;
    int max_args = RUNTIME_DEFAULT_MAX_ARGS;
};

// Where a user raises a limit; `option` is the runner's flag, e.g. "--max-tasks".
#define PTO_RAISE_LIMIT_HINT(option)                                       \
    "raise it with pto-run " option " N (make run PTO_RUN_FLAGS=\"" option \
    " N\"), "                                                              \
    "rt->set_graph_limits() in the orchestration, or pto_set_graph_limits_ex() in the C API"

// True, with the reason, when a value is out of its range.
inline bool graph_limits_invalid(int max_tasks, int max_successors, int max_args, char* reason,
                                 size_t reason_size) {
    if (max_tasks < 1 || max_tasks > RUNTIME_LIMIT_CEILING) {
        std::snprintf(reason, reason_size, "%d tasks is out of range; use 1..%d", max_tasks,
                      RUNTIME_LIMIT_CEILING);
        return true;
    }
    if (max_successors < 1 || max_successors > RUNTIME_LIMIT_CEILING) {
        std::snprintf(reason, reason_size, "%d successors per task is out of range; use 1..%d",
                      max_successors, RUNTIME_LIMIT_CEILING);
        return true;
    }
    if (max_args < 1 || max_args > RUNTIME_MAX_ARGS_CEILING) {
        std::snprintf(reason, reason_size, "%d arguments per task is out of range; use 1..%d",
                      max_args, RUNTIME_MAX_ARGS_CEILING);
        return true;
    }
    return false;
}
