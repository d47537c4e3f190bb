// Limits of the a2a3 platform and of the task graph. The graph limits are the
// historic PTO runtime limits; exceeding one is an error the orchestration
// sees (add_task returns -1) and the user is told about.
#pragma once

// Each block is one AIC core and two AIV cores.
constexpr int PLATFORM_AIV_PER_BLOCK = 2;
constexpr int PLATFORM_CORES_PER_BLOCK = 1 + PLATFORM_AIV_PER_BLOCK;
constexpr int PLATFORM_MAX_BLOCK_DIM = 24;
constexpr int PLATFORM_MAX_WORKERS = PLATFORM_MAX_BLOCK_DIM * PLATFORM_CORES_PER_BLOCK;
constexpr int PLATFORM_MAX_AICPU_THREADS = 4;

// Defaults; the task and successor limits can be raised per process (up to
// RUNTIME_TASK_LIMIT_CEILING) with pto_set_graph_limits.
constexpr int RUNTIME_MAX_TASKS = 4096;
constexpr int RUNTIME_MAX_ARGS = 16;
constexpr int RUNTIME_MAX_SUCCESSORS = 512;
constexpr int RUNTIME_MAX_TENSOR_PAIRS = 64;
constexpr int RUNTIME_TASK_LIMIT_CEILING = 1 << 24;

// Cache line used to keep per-worker mailboxes apart (no false sharing).
constexpr int PLATFORM_CACHE_LINE = 64;
