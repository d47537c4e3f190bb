// The workers one scheduler thread owns: an even share of the AIC workers
// (ids 0 .. block_dim-1) and of the AIV workers (ids block_dim .. 3*block_dim-1).
#pragma once

#include "platform_limits.h"

struct SchedulerSlice {
    int thread_index;
    int aic_begin, aic_end;  // [begin, end) worker ids
    int aiv_begin, aiv_end;

    static SchedulerSlice of(int thread_index, int thread_count, int block_dim) {
        int aic_per = block_dim / thread_count;
        int aiv_per = block_dim * PLATFORM_AIV_PER_BLOCK / thread_count;
        SchedulerSlice s;
        s.thread_index = thread_index;
        s.aic_begin = thread_index * aic_per;
        s.aic_end = s.aic_begin + aic_per;
        s.aiv_begin = block_dim + thread_index * aiv_per;
        s.aiv_end = s.aiv_begin + aiv_per;
        return s;
    }

    template <typename F>
    void for_each_worker(F&& f) const {
        for (int w = aic_begin; w < aic_end; ++w) f(w);
        for (int w = aiv_begin; w < aiv_end; ++w) f(w);
    }
};
