// The simulated AICore executor entry: one host thread per worker. On the
// device the worker derives its id from the block and sub-block index; here
// the host passes it.
#include "aicore_entry.h"
#include "export.h"

extern "C" void sim_aicore_thread_setup();

extern "C" PTO_EXPORT void sim_aicore_entry(void* launch_block, int worker_id, int core_type) {
    sim_aicore_thread_setup();
    aicore_execute(launch_block, worker_id, static_cast<CoreType>(core_type));
}

// A scheduler thread runs a unit it dispatched to `worker_id` itself
// (handshake.h, step 6): the same fault capture as a worker's.
extern "C" PTO_EXPORT void sim_aicore_run_here(void* launch_block, int worker_id) {
    sim_aicore_thread_setup();
    aicore_run_here(launch_block, worker_id);
}
