// One tile product P = A_tile @ B_tile on the cube unit (PTO-ISA): float16
// operands read in place from the full matrices (leading dimensions lda,
// ldb), float32 result (tm x tn, contiguous), in 16 x 16 x 16 blocks (the
// cube's fractal size; the orchestration checks the tiles are multiples of
// 16). Each block goes global -> L1 (TLOAD into Mat tiles) -> L0A/L0B (TMOV
// into Left/Right tiles) -> TMATMUL / TMATMUL_ACC into L0C -> TSTORE.
// args: a, b, p, tm, tk, tn, lda, ldb. The plain C++ twin is
// ../aic/kernel_tile_gemm.cpp.
#include <cstdint>
#include <pto/pto-inst.hpp>

using namespace pto;

namespace {

constexpr int kBlock = 16;
using MatTile = Tile<TileType::Mat, half, kBlock, kBlock, BLayout::ColMajor, kBlock, kBlock,
                     SLayout::RowMajor, 512>;
using LeftTile = TileLeft<half, kBlock, kBlock>;
using RightTile = TileRight<half, kBlock, kBlock>;
using AccTile = TileAcc<float, kBlock, kBlock>;
using BlockShape = Shape<1, 1, 1, kBlock, kBlock>;
using RowStride = Stride<1, 1, 1, DYNAMIC, 1>;
using HalfBlock = GlobalTensor<half, BlockShape, RowStride>;
using FloatBlock = GlobalTensor<float, BlockShape, RowStride>;

}  // namespace

extern "C" __aicore__ void kernel_entry(__gm__ int64_t* args) {
    auto* a = reinterpret_cast<__gm__ half*>(args[0]);
    auto* b = reinterpret_cast<__gm__ half*>(args[1]);
    auto* p = reinterpret_cast<__gm__ float*>(args[2]);
    int64_t tm = args[3], tk = args[4], tn = args[5], lda = args[6], ldb = args[7];
    MatTile a_l1, b_l1;
    LeftTile a_l0;
    RightTile b_l0;
    AccTile acc;
    TASSIGN(a_l1, 0x0);
    TASSIGN(b_l1, kBlock * kBlock * sizeof(half));
    TASSIGN(a_l0, 0x0);
    TASSIGN(b_l0, 0x0);
    TASSIGN(acc, 0x0);
    for (int64_t i = 0; i < tm; i += kBlock) {
        for (int64_t j = 0; j < tn; j += kBlock) {
            for (int64_t k = 0; k < tk; k += kBlock) {
                HalfBlock ga(a + i * lda + k, BlockShape(), RowStride(lda));
                HalfBlock gb(b + k * ldb + j, BlockShape(), RowStride(ldb));
                TLOAD(a_l1, ga);
                TLOAD(b_l1, gb);
                TMOV(a_l0, a_l1);
                TMOV(b_l0, b_l1);
                if (k == 0) {
                    TMATMUL(acc, a_l0, b_l0);
                } else {
                    TMATMUL_ACC(acc, acc, a_l0, b_l0);
                }
            }
            FloatBlock gp(p + i * tn + j, BlockShape(), RowStride(tn));
            TSTORE(gp, acc);
        }
    }
}
