// Accumulates one tile product into C on the vector unit (PTO-ISA): row by
// row, C_row = P_row (first k step) or C_row = C_row + P_row (TLOAD, TADD,
// TSTORE). args: c (fp32, leading dimension ldc), p (fp32 tm x tn), tm, tn,
// ldc, first. The plain C++ twin is ../aiv/kernel_tile_add.cpp.
#include <cstdint>
#include <pto/pto-inst.hpp>

using namespace pto;

namespace {

constexpr int kRow = 256;  // the widest tile row (tn) this kernel takes
using RowTile = Tile<TileType::Vec, float, 1, kRow, BLayout::RowMajor, 1, DYNAMIC>;
using RowShape = Shape<1, 1, 1, 1, DYNAMIC>;
using GlobalRow = GlobalTensor<float, RowShape, Stride<1, 1, 1, 1, 1>>;

}  // namespace

extern "C" __aicore__ void kernel_entry(__gm__ int64_t* args) {
    auto* c = reinterpret_cast<__gm__ float*>(args[0]);
    auto* p = reinterpret_cast<__gm__ float*>(args[1]);
    int64_t tm = args[2], tn = args[3], ldc = args[4];
    bool first = args[5] != 0;
    unsigned width = static_cast<unsigned>(tn);
    RowTile product(width), sum(width), current(width);
    TASSIGN(product, 0x0);
    TASSIGN(current, kRow * sizeof(float));
    TASSIGN(sum, 2 * kRow * sizeof(float));
    for (int64_t i = 0; i < tm; ++i) {
        GlobalRow gp(p + i * tn, RowShape(width)), gc(c + i * ldc, RowShape(width));
        TLOAD(product, gp);
        if (first) {
            TSTORE(gc, product);
            continue;
        }
        TLOAD(current, gc);
        TADD(sum, current, product);
        TSTORE(gc, sum);
    }
}
