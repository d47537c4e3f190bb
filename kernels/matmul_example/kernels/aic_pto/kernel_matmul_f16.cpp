// C = A @ B on the cube unit (PTO-ISA), float16 operands, float32 result, in
// 16 x 16 x 16 blocks: global -> L1 (TLOAD into Mat tiles) -> L0A/L0B (TMOV
// into Left/Right tiles) -> TMATMUL / TMATMUL_ACC into L0C -> TSTORE. The
// last block row may be partial (rows not a multiple of 16): its tiles carry
// the valid row count and L1 pads the rest with zeros; k and n are multiples
// of 16 (the orchestration checks). args: a (fp16*, rows x k), b (fp16*,
// k x n), c (fp32*, rows x n), rows, k, n. The plain C++ twin is
// ../aic/kernel_matmul_f16.cpp.
#include <cstdint>
#include <pto/pto-inst.hpp>

using namespace pto;

namespace {

constexpr int kBlock = 16;
using MatA = Tile<TileType::Mat, half, kBlock, kBlock, BLayout::ColMajor, DYNAMIC, kBlock,
                  SLayout::RowMajor, 512, PadValue::Zero>;
using MatB = Tile<TileType::Mat, half, kBlock, kBlock, BLayout::ColMajor, kBlock, kBlock,
                  SLayout::RowMajor, 512>;
using LeftA = TileLeft<half, kBlock, kBlock, DYNAMIC, kBlock>;
using RightB = TileRight<half, kBlock, kBlock>;
using AccC = TileAcc<float, kBlock, kBlock, DYNAMIC, kBlock>;
using RowsShape = Shape<1, 1, 1, DYNAMIC, kBlock>;
using BlockShape = Shape<1, 1, 1, kBlock, kBlock>;
using RowStride = Stride<1, 1, 1, DYNAMIC, 1>;
using GlobalA = GlobalTensor<half, RowsShape, RowStride>;
using GlobalB = GlobalTensor<half, BlockShape, RowStride>;
using GlobalC = GlobalTensor<float, RowsShape, RowStride>;

}  // namespace

extern "C" __aicore__ void kernel_entry(__gm__ int64_t* args) {
    auto* a = reinterpret_cast<__gm__ half*>(args[0]);
    auto* b = reinterpret_cast<__gm__ half*>(args[1]);
    auto* c = reinterpret_cast<__gm__ float*>(args[2]);
    int64_t m = args[3], k = args[4], n = args[5];
    for (int64_t i = 0; i < m; i += kBlock) {
        unsigned rows = static_cast<unsigned>(m - i < kBlock ? m - i : kBlock);
        MatA a_l1(rows);
        MatB b_l1;
        LeftA a_l0(rows);
        RightB b_l0;
        AccC acc(rows);
        TASSIGN(a_l1, 0x0);
        TASSIGN(b_l1, kBlock * kBlock * sizeof(half));
        TASSIGN(a_l0, 0x0);
        TASSIGN(b_l0, 0x0);
        TASSIGN(acc, 0x0);
        for (int64_t j = 0; j < n; j += kBlock) {
            for (int64_t p = 0; p < k; p += kBlock) {
                GlobalA ga(a + i * k + p, RowsShape(rows), RowStride(k));
                GlobalB gb(b + p * n + j, BlockShape(), RowStride(n));
                TLOAD(a_l1, ga);
                TLOAD(b_l1, gb);
                TMOV(a_l0, a_l1);
                TMOV(b_l0, b_l1);
                if (p == 0) {
                    TMATMUL(acc, a_l0, b_l0);
                } else {
                    TMATMUL_ACC(acc, acc, a_l0, b_l0);
                }
            }
            GlobalC gc(c + i * n + j, RowsShape(rows), RowStride(n));
            TSTORE(gc, acc);
        }
    }
}
