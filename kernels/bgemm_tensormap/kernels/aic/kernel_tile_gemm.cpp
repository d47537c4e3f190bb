// One tile product P = A_tile @ B_tile: float16 operands read in place from
// the full matrices through their views, float32 result.
// Descriptors: a (tm x tk), b (tk x tn), p (tm x tn).
#include "../tile.h"

extern "C" __aicore__ void kernel_entry(__gm__ int64_t* args) {
    Tile<const _Float16> a = Tile<const _Float16>::of(args, 0);
    Tile<const _Float16> b = Tile<const _Float16>::of(args, 1);
    Tile<float> p = Tile<float>::of(args, 2);
    for (uint64_t i = 0; i < p.rows; ++i) {
        float* row = p.row(i);
        for (uint64_t j = 0; j < p.cols; ++j) row[j] = 0.0f;
        for (uint64_t k = 0; k < a.cols; ++k) {
            const float av = static_cast<float>(a.row(i)[k]);
            const _Float16* brow = b.row(k);
            for (uint64_t j = 0; j < p.cols; ++j) row[j] += av * static_cast<float>(brow[j]);
        }
    }
}
