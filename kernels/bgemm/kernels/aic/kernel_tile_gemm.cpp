// One tile product P = A_tile @ B_tile: float16 operands read in place from
// the full matrices (leading dimensions lda, ldb), float32 result (tm x tn,
// contiguous). args: a, b, p, tm, tk, tn, lda, ldb.
#include <cstdint>

extern "C" __aicore__ void kernel_entry(__gm__ int64_t* args) {
    const _Float16* a = reinterpret_cast<const _Float16*>(args[0]);
    const _Float16* b = reinterpret_cast<const _Float16*>(args[1]);
    float* p = reinterpret_cast<float*>(args[2]);
    int64_t tm = args[3], tk = args[4], tn = args[5], lda = args[6], ldb = args[7];
    for (int64_t i = 0; i < tm; ++i) {
        float* row = p + i * tn;
        for (int64_t j = 0; j < tn; ++j) row[j] = 0.0f;
        for (int64_t k = 0; k < tk; ++k) {
            float av = static_cast<float>(a[i * lda + k]);
            const _Float16* brow = b + k * ldb;
            for (int64_t j = 0; j < tn; ++j) row[j] += av * static_cast<float>(brow[j]);
        }
    }
}
