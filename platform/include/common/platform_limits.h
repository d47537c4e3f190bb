// Limits of the a2a3 platform: cores per block, blocks, scheduler threads.
// (Graph limits belong to a runtime; see its orchestration header.)
#pragma once

// Each block is one AIC core and two AIV cores.
constexpr int PLATFORM_AIV_PER_BLOCK = 2;
constexpr int PLATFORM_CORES_PER_BLOCK = 1 + PLATFORM_AIV_PER_BLOCK;
constexpr int PLATFORM_MAX_BLOCK_DIM = 24;
constexpr int PLATFORM_MAX_WORKERS = PLATFORM_MAX_BLOCK_DIM * PLATFORM_CORES_PER_BLOCK;
constexpr int PLATFORM_MAX_AICPU_THREADS = 4;

// Cache line used to keep shared fields apart (no false sharing) and, on the
// device, the unit AICore writes back and invalidates.
constexpr int PLATFORM_CACHE_LINE = 64;
