// The workers one scheduler thread owns: a run of whole clusters. Cluster c
// is AIC worker c and AIV workers block_dim + 2c and block_dim + 2c + 1
// (its lanes 0 and 1). Clusters are dealt out in order, as evenly as they
// go: with 8 clusters over 3 threads, 2, 3 and 3. A cluster is never split
// between two threads, so the cores of one MIX block always have one owner.
#pragma once

#include "platform_limits.h"

struct SchedulerSlice {
    int thread_index;
    int cluster_begin, cluster_end;  // [begin, end)
    int aic_begin, aic_end;          // [begin, end) worker ids
    int aiv_begin, aiv_end;

    // `thread_count` must not exceed `block_dim` (a thread without a
    // cluster has nothing to schedule; the launch check refuses it).
    static SchedulerSlice of(int thread_index, int thread_count, int block_dim) {
        SchedulerSlice s;
        s.thread_index = thread_index;
        s.cluster_begin = thread_index * block_dim / thread_count;
        s.cluster_end = (thread_index + 1) * block_dim / thread_count;
        s.aic_begin = s.cluster_begin;
        s.aic_end = s.cluster_end;
        s.aiv_begin = block_dim + PLATFORM_AIV_PER_BLOCK * s.cluster_begin;
        s.aiv_end = block_dim + PLATFORM_AIV_PER_BLOCK * s.cluster_end;
        return s;
    }

    template <typename F>
    void for_each_worker(F&& f) const {
        for (int w = aic_begin; w < aic_end; ++w) f(w);
        for (int w = aiv_begin; w < aiv_end; ++w) f(w);
    }
};
