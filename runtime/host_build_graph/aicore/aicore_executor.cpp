// The AICore side of host_build_graph: the shared worker loop over this
// launch's mailboxes. The platform's AICore entry works out the worker id
// and core type and calls aicore_execute.
#include "aicore_entry.h"
#include "aicore_worker_loop.h"
#include "launch_block.h"

void aicore_execute(__gm__ void* launch_block, int worker_id, CoreType core_type) {
    auto* block = static_cast<LaunchBlock*>(launch_block);
    run_aicore_worker(launch_mailbox(launch_block, worker_id), block->scheduler_bells, worker_id,
                      core_type);
}

void aicore_run_here(__gm__ void* launch_block, int worker_id) {
    run_aicore_unit_here(launch_mailbox(launch_block, worker_id));
}
