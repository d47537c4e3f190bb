// Tiles and global views the PTO-ISA vector kernels of this example share:
// a row of up to kTileElements float32 elements in the vector unit's buffer,
// the last one of a tensor shorter (its valid length is set at run time).
#pragma once

#include <cstdint>
#include <pto/pto-inst.hpp>

namespace vector_example {

constexpr int kTileElements = 256;
using RowTile =
    pto::Tile<pto::TileType::Vec, float, 1, kTileElements, pto::BLayout::RowMajor, 1, pto::DYNAMIC>;
using RowShape = pto::Shape<1, 1, 1, 1, pto::DYNAMIC>;
using GlobalRow = pto::GlobalTensor<float, RowShape, pto::Stride<1, 1, 1, 1, 1>>;

// Buffer offsets of the (at most three) tiles a kernel uses at once.
constexpr uint32_t kSlotBytes = kTileElements * sizeof(float);

inline unsigned tile_length(int64_t at, int64_t n) {
    return static_cast<unsigned>(n - at < kTileElements ? n - at : kTileElements);
}

// out = a (op) b over n floats, one row tile at a time: TLOAD both, `op`
// on the vector unit (a TADD, a TMUL, ...), TSTORE.
template <typename Op>
inline void binary_rows(__gm__ float* a, __gm__ float* b, __gm__ float* out, int64_t n, Op op) {
    for (int64_t at = 0; at < n; at += kTileElements) {
        unsigned len = tile_length(at, n);
        RowTile ta(len), tb(len), tc(len);
        pto::TASSIGN(ta, 0 * kSlotBytes);
        pto::TASSIGN(tb, 1 * kSlotBytes);
        pto::TASSIGN(tc, 2 * kSlotBytes);
        GlobalRow ga(a + at, RowShape(len)), gb(b + at, RowShape(len)), gc(out + at, RowShape(len));
        pto::TLOAD(ta, ga);
        pto::TLOAD(tb, gb);
        op(tc, ta, tb);
        pto::TSTORE(gc, tc);
    }
}

}  // namespace vector_example
