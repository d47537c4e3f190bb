// out = exp(x + y), float32, one row tile at a time (PTO-ISA: TLOAD, TADD,
// TEXP, TSTORE). args: x, y, out, element count. The plain C++ twin is
// ../aiv/kernel_add_exp.cpp.
#include <cstdint>
#include <pto/pto-inst.hpp>

using namespace pto;

namespace {

constexpr int kRow = 256;
using RowTile = Tile<TileType::Vec, float, 1, kRow, BLayout::RowMajor, 1, DYNAMIC>;
using RowShape = Shape<1, 1, 1, 1, DYNAMIC>;
using FloatRow = GlobalTensor<float, RowShape, Stride<1, 1, 1, 1, 1>>;

}  // namespace

extern "C" __aicore__ void kernel_entry(__gm__ int64_t* args) {
    auto* x = reinterpret_cast<__gm__ float*>(args[0]);
    auto* y = reinterpret_cast<__gm__ float*>(args[1]);
    auto* out = reinterpret_cast<__gm__ float*>(args[2]);
    int64_t n = args[3];
    for (int64_t at = 0; at < n; at += kRow) {
        unsigned len = static_cast<unsigned>(n - at < kRow ? n - at : kRow);
        RowTile tx(len), ty(len), sum(len), result(len);
        TASSIGN(tx, 0x0);
        TASSIGN(ty, kRow * sizeof(float));
        TASSIGN(sum, 2 * kRow * sizeof(float));
        TASSIGN(result, 3 * kRow * sizeof(float));
        FloatRow gx(x + at, RowShape(len)), gy(y + at, RowShape(len)),
            gout(out + at, RowShape(len));
        TLOAD(tx, gx);
        TLOAD(ty, gy);
        TADD(sum, tx, ty);
        TEXP(result, sum);
        TSTORE(gout, result);
    }
}
