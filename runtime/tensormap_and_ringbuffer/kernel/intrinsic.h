// Block-context accessors for kernels, as upstream kernels call them
// (CLUSTER.md §9): each takes the kernel's argument array and reads the
// contexts the runtime put at slots 48 and 49. Do not call CCE's
// argument-less get_block_idx()/get_block_num()/get_subblockid(): the
// runtime does not program those registers.
#pragma once

#include <cstdint>

#include "spmd_context.h"

#ifndef __aicore__
#define __aicore__
#endif

static __aicore__ inline int32_t get_block_idx(__gm__ int64_t* args) {
    return reinterpret_cast<__gm__ const LocalContext*>(args[SPMD_LOCAL_CONTEXT_INDEX])->block_idx;
}

static __aicore__ inline int32_t get_block_num(__gm__ int64_t* args) {
    return reinterpret_cast<__gm__ const LocalContext*>(args[SPMD_LOCAL_CONTEXT_INDEX])->block_num;
}

static __aicore__ inline int32_t get_sub_block_id(__gm__ int64_t* args) {
    return reinterpret_cast<__gm__ const GlobalContext*>(args[SPMD_GLOBAL_CONTEXT_INDEX])
        ->sub_block_id;
}

// The DMA workspace of `kind`, or nullptr when the kind is not one or the
// run has none (a2a3sim has no SDMA).
static __aicore__ inline __gm__ uint8_t* get_dma_workspace(__gm__ int64_t* args, int kind) {
    if (kind < 0 || kind >= DMA_WORKSPACE_KIND_COUNT) return nullptr;
    const uint64_t at = reinterpret_cast<__gm__ const GlobalContext*>(
                            args[SPMD_GLOBAL_CONTEXT_INDEX])->dma_workspace[kind];
    return reinterpret_cast<__gm__ uint8_t*>(at);
}
