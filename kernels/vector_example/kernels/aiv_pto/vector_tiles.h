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

}  // namespace vector_example
