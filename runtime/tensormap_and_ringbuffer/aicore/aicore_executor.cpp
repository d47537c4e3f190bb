// The AICore side of tensormap_and_ringbuffer: the shared worker loop over
// this launch's mailboxes. A task's args point at its argument words in the
// ring heap: tensor descriptor addresses, then scalars.
#include "aicore_entry.h"
#include "aicore_worker_loop.h"
#include "ring_layout.h"

namespace {

Handshake* mailbox_of(__gm__ void* launch_block, int worker_id) {
    auto* block = static_cast<TmLaunchBlock*>(launch_block);
    return reinterpret_cast<Handshake*>(static_cast<uint8_t*>(launch_block) +
                                        block->mailboxes_offset) +
           worker_id;
}

}  // namespace

void aicore_execute(__gm__ void* launch_block, int worker_id, CoreType core_type) {
    auto* block = static_cast<TmLaunchBlock*>(launch_block);
    run_aicore_worker(mailbox_of(launch_block, worker_id), block->scheduler_bells, worker_id,
                      core_type);
}

void aicore_run_here(__gm__ void* launch_block, int worker_id) {
    run_aicore_unit_here(mailbox_of(launch_block, worker_id));
}
