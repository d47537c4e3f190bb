// The block context every kernel of this runtime is handed, in argument
// slots 48 and 49 (CLUSTER.md §9), whatever its tensor and scalar counts:
// which block of its task it is, how many blocks the task has, and which
// AIV lane of its cluster runs it. The AICPU side fills them; kernels read
// them through intrinsic.h. The layout is the device's: plain structs.
#pragma once

#include <cstdint>

#ifndef __gm__
#define __gm__
#endif

constexpr int PTO2_EXT_PARAMS_COUNT = 2;
constexpr int SPMD_LOCAL_CONTEXT_INDEX = 48;
constexpr int SPMD_GLOBAL_CONTEXT_INDEX = 49;
// Argument words a kernel may index: the tensors and scalars below slot 48,
// then the two context slots.
constexpr int PTO2_KERNEL_ARG_SLOTS = SPMD_GLOBAL_CONTEXT_INDEX + 1;

// What asynchronous completion a block registered (none on a2a3sim).
struct AsyncCtx {
    uint64_t events = 0;
};

struct LocalContext {
    int32_t block_idx = 0;
    int32_t block_num = 1;
    AsyncCtx async_ctx;
};

enum DmaWorkspaceKind : int { DMA_WORKSPACE_SDMA = 0, DMA_WORKSPACE_KIND_COUNT = 1 };

struct GlobalContext {
    int32_t sub_block_id = 0;
    uint64_t dma_workspace[DMA_WORKSPACE_KIND_COUNT] = {0};
};
