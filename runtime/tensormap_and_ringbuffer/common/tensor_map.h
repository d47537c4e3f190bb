// Dependency discovery: which earlier tasks touched the elements a new task
// reads or writes. Keyed by buffer base address; per buffer, a list of the
// live accesses (the task, read or write, and the region of the buffer).
// A read gets an edge from every earlier overlapping write; a write gets an
// edge from every earlier overlapping write and read (so a write never
// overtakes a reader of the same elements). A write that covers an earlier
// access replaces it: anything after the write is ordered after it, and so
// after what it replaced. Entries of reclaimed tasks are dropped as they are
// met. No cap on how many overlapping producers or readers a task has.
//
// In each bucket's list the writes come before the reads (a write goes in
// at the head, a read after the last write), so a read, which waits only
// for writes, stops at the first read: thousands of live readers of one
// tensor (a fan-out) cost a read nothing.
//
// Used by the orchestrator thread only.
#pragma once

#include <cstdint>

#include "tensor.h"

// The part of a buffer one tensor argument touches: its byte hull, and the
// box (per-dimension start and extent under its strides) when the strides
// allow an exact test.
struct AccessRegion {
    uint64_t lo, hi;  // bytes from the buffer's base, [lo, hi)
    uint32_t ndims, esize;
    uint32_t boxed;  // coords/shapes below are exact
    uint32_t dense;  // the elements are exactly [lo, hi)
    int64_t strides[PTO2_MAX_TENSOR_DIMS];
    uint64_t coords[PTO2_MAX_TENSOR_DIMS];
    uint64_t shapes[PTO2_MAX_TENSOR_DIMS];

    static AccessRegion of(const ChipTensor& t);
    bool empty() const { return hi <= lo; }
    bool overlaps(const AccessRegion& o) const;
    bool covers(const AccessRegion& o) const;
};

struct MapEntry {
    uint64_t base;
    uint64_t task;  // PTO2TaskId
    uint32_t next;  // index + 1 in the bucket's list, 0 = end
    uint32_t write;
    AccessRegion region;
};

class TensorMap {
public:
    void init(uint32_t* buckets, uint32_t bucket_count, MapEntry* entries, uint32_t entry_count);

    // Visits every live earlier access that `task` must wait for and, unless
    // it fails, records the access. `ordered`: the task does wait for what
    // edge() is given (false in a MANUAL scope), so a write of it that covers
    // an earlier access replaces that access. `alive(task)` says whether a task may
    // still be running or read (false: drop its entries); `edge(task)` adds
    // the dependency and returns false to stop (the run is failing).
    // Returns false when no entry was free for the record: the caller waits
    // for tasks to retire and calls again (the edges found are added again
    // and deduplicated by the caller).
    template <typename Alive, typename Edge>
    bool access(uint64_t base, const AccessRegion& r, bool write, bool ordered, uint64_t task,
                Alive alive, Edge edge);

    // Calls f(task) for every recorded access overlapping `r` (writes only,
    // unless include_reads).
    template <typename F>
    void visit(uint64_t base, const AccessRegion& r, bool include_reads, F f) const {
        for (uint32_t link = buckets_[bucket_of(base)]; link != 0; link = entries_[link - 1].next) {
            const MapEntry& e = entries_[link - 1];
            if (e.base == base && (include_reads || e.write) && r.overlaps(e.region)) f(e.task);
        }
    }

    // Drops every entry of tasks no longer alive; returns how many are free.
    template <typename Alive>
    uint32_t sweep(Alive alive);

    uint32_t entry_count() const { return entry_count_; }
    uint32_t bucket_count() const { return bucket_count_; }
    uint32_t live() const { return live_; }

private:
    uint32_t bucket_of(uint64_t base) const {
        return static_cast<uint32_t>((base >> 6) * 0x9E3779B97F4A7C15ull >> 32) &
               (bucket_count_ - 1);
    }
    uint32_t take_free();
    void give_free(uint32_t index);

    uint32_t* buckets_ = nullptr;
    MapEntry* entries_ = nullptr;
    uint32_t bucket_count_ = 0, entry_count_ = 0;
    uint32_t free_head_ = 0;   // index + 1
    uint32_t never_used_ = 0;  // entries [never_used_, count) were never handed out
    uint32_t live_ = 0;
};

template <typename Alive, typename Edge>
bool TensorMap::access(uint64_t base, const AccessRegion& r, bool write, bool ordered,
                       uint64_t task, Alive alive, Edge edge) {
    uint32_t* link = &buckets_[bucket_of(base)];
    while (*link != 0) {
        uint32_t index = *link - 1;
        MapEntry& e = entries_[index];
        if (!write && !e.write) break;  // only reads from here on
        if (!alive(e.task)) {
            *link = e.next;
            give_free(index);
            continue;
        }
        if (e.base == base && e.task != task && (write || e.write) && r.overlaps(e.region)) {
            if (!edge(e.task)) return true;
            if (write && ordered && r.covers(e.region)) {
                *link = e.next;
                give_free(index);
                continue;
            }
        }
        link = &e.next;
    }
    uint32_t fresh = take_free();
    if (fresh == 0) return false;
    MapEntry& n = entries_[fresh - 1];
    n.base = base;
    n.task = task;
    n.write = write ? 1 : 0;
    n.region = r;
    // A write at the head; a read where the scan stopped, after the writes.
    uint32_t& at = write ? buckets_[bucket_of(base)] : *link;
    n.next = at;
    at = fresh;
    return true;
}

template <typename Alive>
uint32_t TensorMap::sweep(Alive alive) {
    for (uint32_t b = 0; b < bucket_count_; ++b) {
        uint32_t* link = &buckets_[b];
        while (*link != 0) {
            uint32_t index = *link - 1;
            MapEntry& e = entries_[index];
            if (!alive(e.task)) {
                *link = e.next;
                give_free(index);
            } else {
                link = &e.next;
            }
        }
    }
    return entry_count_ - live_;
}
