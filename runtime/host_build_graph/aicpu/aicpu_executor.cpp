// The AICPU scheduler of host_build_graph. aicpu_execute() is entered by
// every scheduler thread of a launch; each claims a thread index and runs
// the shared scheduling core over its slice of workers with GraphPolicy
// (graph_policy.h) until every task of the graph has completed.
#include "aicpu_entry.h"
#include "export.h"
#include "graph_policy.h"

extern "C" PTO_EXPORT int aicpu_execute(void* launch_block) {
    return run_graph_scheduler(launch_block,
                               [](const LaunchView& v, int) { return GraphPolicy(v); });
}
