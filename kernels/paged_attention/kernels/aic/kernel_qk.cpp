// S = Q · Kᵀ for one head group and one KV block (float16 in, float32 out).
// args: q (fp16, g x d, rows contiguous), k (fp16, first key row of the
// block for this KV head), s (fp32, g x block_size), g, d, valid rows of the
// block, key row stride (elements), block_size.
#include <cstdint>

extern "C" __aicore__ void kernel_entry(__gm__ int64_t* args) {
    const _Float16* q = reinterpret_cast<const _Float16*>(args[0]);
    const _Float16* k = reinterpret_cast<const _Float16*>(args[1]);
    float* s = reinterpret_cast<float*>(args[2]);
    int64_t g = args[3], d = args[4], valid = args[5], k_stride = args[6], block = args[7];
    for (int64_t i = 0; i < g; ++i) {
        for (int64_t t = 0; t < valid; ++t) {
            float acc = 0.0f;
            for (int64_t x = 0; x < d; ++x) {
                acc += static_cast<float>(q[i * d + x]) * static_cast<float>(k[t * k_stride + x]);
            }
            s[i * block + t] = acc;
        }
    }
}
