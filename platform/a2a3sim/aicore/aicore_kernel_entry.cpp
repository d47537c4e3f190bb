// The simulated AICore executor entry: one host thread per worker. On the
// device the worker derives its id from the block and sub-block index; here
// the host passes it.
#include "aicore_executor.h"

extern "C" __attribute__((visibility("default"))) void sim_aicore_entry(Runtime* rt,
                                                                        int worker_id,
                                                                        int core_type) {
    aicore_execute(rt, worker_id, static_cast<CoreType>(core_type));
}
