#include "tensor_map.h"

namespace {

// Greedy mixed-radix split of `start` by strides (outermost first): exact
// when every stride divides the one before, the remainder ends at zero, and
// no dimension's extent runs into the next outer index.
bool split_box(const ChipTensor& t, uint64_t* coords) {
    uint64_t rest = t.start_offset;
    for (uint32_t i = 0; i < t.ndims; ++i) {
        int64_t s = t.strides[i];
        if (s <= 0) return false;
        if (i > 0) {
            int64_t outer = t.strides[i - 1];
            if (outer <= s || outer % s != 0) return false;
        }
        coords[i] = rest / static_cast<uint64_t>(s);
        rest %= static_cast<uint64_t>(s);
        if (i > 0 && coords[i] + t.shapes[i] > static_cast<uint64_t>(t.strides[i - 1] / s)) {
            return false;
        }
    }
    return rest == 0;
}

}  // namespace

AccessRegion AccessRegion::of(const ChipTensor& t) {
    AccessRegion r{};
    r.box.ndims = t.ndims;
    r.box.esize = get_element_size(t.dtype);
    uint64_t last = t.start_offset;
    bool none = t.ndims == 0;
    bool any_bad_stride = false;
    bool overflow = false;
    for (uint32_t i = 0; i < t.ndims; ++i) {
        if (t.shapes[i] == 0) none = true;
        if (t.strides[i] < 0) any_bad_stride = true;
        r.box.shapes[i] = t.shapes[i];
        r.box.strides[i] = t.strides[i];
        if (t.shapes[i] > 0 && t.strides[i] > 0) {
            uint64_t span;
            overflow |=
                __builtin_mul_overflow(t.shapes[i] - 1, static_cast<uint64_t>(t.strides[i]), &span);
            overflow |= __builtin_add_overflow(last, span, &last);
        }
    }
    if (none) {
        r.lo = r.hi = 0;
        return r;
    }
    if (any_bad_stride) {  // a view the runtime cannot bound: the whole buffer
        r.lo = 0;
        r.hi = t.buffer.size;
        return r;
    }
    // An extent past 64 bits reaches past any buffer: the bounds check says so.
    overflow |= __builtin_mul_overflow(last + 1, r.box.esize, &r.hi) || last + 1 == 0;
    overflow |= __builtin_mul_overflow(t.start_offset, r.box.esize, &r.lo);
    if (overflow) {
        r.lo = 0;
        r.hi = ~0ull;
        return r;
    }
    r.dense = t.is_contiguous() ? 1 : 0;
    r.boxed = split_box(t, r.box.coords) ? 1 : 0;
    return r;
}

namespace {

bool same_lattice(const AccessBox& a, const AccessBox& b) {
    if (a.ndims != b.ndims || a.esize != b.esize) return false;
    for (uint32_t i = 0; i < a.ndims; ++i) {
        if (a.strides[i] != b.strides[i]) return false;
    }
    return true;
}

}  // namespace

bool regions_overlap(const AccessRegion& r, const MapEntry& e, const AccessBox* b) {
    if (r.empty() || e.hi <= e.lo) return false;
    if (r.hi <= e.lo || e.hi <= r.lo) return false;
    if (r.dense && e.dense) return true;
    if (!r.boxed || b == nullptr || !same_lattice(r.box, *b)) return true;  // cannot tell
    for (uint32_t i = 0; i < r.box.ndims; ++i) {
        if (r.box.coords[i] + r.box.shapes[i] <= b->coords[i] ||
            b->coords[i] + b->shapes[i] <= r.box.coords[i]) {
            return false;
        }
    }
    return true;
}

bool region_covers(const AccessRegion& r, const MapEntry& e, const AccessBox* b) {
    if (e.hi <= e.lo) return true;
    if (r.dense && r.lo <= e.lo && e.hi <= r.hi) return true;
    if (!r.boxed || b == nullptr || !same_lattice(r.box, *b)) return false;
    for (uint32_t i = 0; i < r.box.ndims; ++i) {
        if (b->coords[i] < r.box.coords[i] ||
            b->coords[i] + b->shapes[i] > r.box.coords[i] + r.box.shapes[i])
            return false;
    }
    return true;
}

void TensorMap::init(uint32_t* buckets, uint32_t bucket_count, MapEntry* entries, AccessBox* boxes,
                     uint32_t entry_count) {
    buckets_ = buckets;
    bucket_count_ = bucket_count;
    entries_ = entries;
    boxes_ = boxes;
    entry_count_ = entry_count;
    free_head_ = 0;
    never_used_ = 0;
    live_ = 0;
    for (uint32_t b = 0; b < bucket_count; ++b) buckets_[b] = 0;
}

uint32_t TensorMap::take_free() {
    uint32_t index;
    if (free_head_ != 0) {
        index = free_head_ - 1;
        free_head_ = entries_[index].next;
    } else if (never_used_ < entry_count_) {
        index = never_used_++;
    } else {
        return 0;
    }
    ++live_;
    return index + 1;
}

void TensorMap::give_free(uint32_t index) {
    entries_[index].next = free_head_;
    free_head_ = index + 1;
    --live_;
}
