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
// The box of a region: per dimension, start and extent under its strides.
struct AccessBox {
    uint32_t ndims, esize;
    int64_t strides[PTO2_MAX_TENSOR_DIMS];
    uint64_t coords[PTO2_MAX_TENSOR_DIMS];
    uint64_t shapes[PTO2_MAX_TENSOR_DIMS];
};

struct AccessRegion {
    uint64_t lo, hi;  // bytes from the buffer's base, [lo, hi)
    uint32_t boxed;   // box below is exact
    uint32_t dense;   // the elements are exactly [lo, hi)
    AccessBox box;

    static AccessRegion of(const ChipTensor& t);
    bool empty() const { return hi <= lo; }
    // Whether a recorded access must keep its box for exact comparisons: a
    // one-dimensional dense run never needs it (any box it meets on the
    // same lattice is compared by bytes already).
    bool box_needed() const { return boxed && !(dense && box.ndims == 1); }
};

// A recorded access: one cache line. The box of the few regions that need
// it (box_needed) is kept aside, at the same index.
struct alignas(64) MapEntry {
    uint64_t base;
    uint64_t task;                // PTO2TaskId
    uint64_t lo, hi;              // the region's bytes
    uint32_t next;                // index + 1 in the bucket's list, 0 = end
    uint8_t write, dense, boxed;  // boxed: its box is in the side array
};

// Whether `r` and an access recorded as `e` (box `b` when e.boxed) may touch
// the same element, and whether `r` covers all of e's elements. Exact when
// both are boxes on the same strides, or both dense; else by byte range
// (never missing an overlap, never claiming a cover).
bool regions_overlap(const AccessRegion& r, const MapEntry& e, const AccessBox* b);
bool region_covers(const AccessRegion& r, const MapEntry& e, const AccessBox* b);

class TensorMap {
public:
    void init(uint32_t* buckets, uint32_t bucket_count, MapEntry* entries, AccessBox* boxes,
              uint32_t entry_count);

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
            if (e.base == base && (include_reads || e.write) && overlaps(r, link - 1)) f(e.task);
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
    const AccessBox* box_of(uint32_t index) const {
        return entries_[index].boxed ? &boxes_[index] : nullptr;
    }
    bool overlaps(const AccessRegion& r, uint32_t index) const {
        return regions_overlap(r, entries_[index], box_of(index));
    }

    uint32_t* buckets_ = nullptr;
    MapEntry* entries_ = nullptr;
    AccessBox* boxes_ = nullptr;
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
        if (e.base == base && e.task != task && (write || e.write) && overlaps(r, index)) {
            if (!edge(e.task)) return true;
            if (write && ordered && region_covers(r, e, box_of(index))) {
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
    n.lo = r.lo;
    n.hi = r.hi;
    n.write = write ? 1 : 0;
    n.dense = r.dense ? 1 : 0;
    n.boxed = r.box_needed() ? 1 : 0;
    if (n.boxed) boxes_[fresh - 1] = r.box;
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
