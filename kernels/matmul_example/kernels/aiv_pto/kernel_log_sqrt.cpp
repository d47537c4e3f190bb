// out = sqrt(log(in)), float16 in and out, computed in float32, one row tile
// at a time (PTO-ISA: TLOAD, TCVT, TLOG, TSQRT, TCVT, TSTORE). args: in
// (fp16*), out (fp16*), element count. The plain C++ twin is
// ../aiv/kernel_log_sqrt.cpp.
#include <cstdint>
#include <pto/pto-inst.hpp>

using namespace pto;

namespace {

constexpr int kRow = 256;
template <typename T>
using RowTile = Tile<TileType::Vec, T, 1, kRow, BLayout::RowMajor, 1, DYNAMIC>;
using RowShape = Shape<1, 1, 1, 1, DYNAMIC>;
using HalfRow = GlobalTensor<half, RowShape, Stride<1, 1, 1, 1, 1>>;

}  // namespace

extern "C" __aicore__ void kernel_entry(__gm__ int64_t* args) {
    auto* in = reinterpret_cast<__gm__ half*>(args[0]);
    auto* out = reinterpret_cast<__gm__ half*>(args[1]);
    int64_t n = args[2];
    for (int64_t at = 0; at < n; at += kRow) {
        unsigned len = static_cast<unsigned>(n - at < kRow ? n - at : kRow);
        RowTile<half> h(len), result(len);
        RowTile<float> x(len), logged(len), rooted(len);
        TASSIGN(h, 0x0);
        TASSIGN(result, kRow * sizeof(half));
        TASSIGN(x, 2 * kRow * sizeof(half));
        TASSIGN(logged, 2 * kRow * sizeof(half) + kRow * sizeof(float));
        TASSIGN(rooted, 2 * kRow * sizeof(half) + 2 * kRow * sizeof(float));
        HalfRow gin(in + at, RowShape(len)), gout(out + at, RowShape(len));
        TLOAD(h, gin);
        TCVT(x, h, RoundMode::CAST_NONE);
        TLOG(logged, x);
        TSQRT(rooted, logged);
        TCVT(result, rooted, RoundMode::CAST_RINT);
        TSTORE(gout, result);
    }
}
