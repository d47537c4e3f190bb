// Declarations of the AICore intrinsics and qualifiers the a2a3 AICore
// sources use, so the host compiler can check them (syntax and types) in
// `make check`. ccec provides the real ones; nothing here is ever run.
#pragma once

#include <cstdint>

#define __aicore__
#define __gm__
#define __global__

int64_t get_block_idx();
int64_t get_block_num();
int64_t get_subblockid();
int64_t get_subblockdim();
uint64_t get_sys_cnt();
enum dcci_dst { ENTIRE_DATA_CACHE = 0, SINGLE_CACHE_LINE = 1 };
enum dcci_mode { CACHELINE_ALL = 0, CACHELINE_OUT = 1 };
void dcci(__gm__ void* address, dcci_dst what);
void dcci(__gm__ void* address, dcci_dst what, dcci_mode mode);
enum pipe_t { PIPE_S = 0, PIPE_V, PIPE_M, PIPE_MTE1, PIPE_MTE2, PIPE_MTE3, PIPE_ALL };
void pipe_barrier(pipe_t pipe);
