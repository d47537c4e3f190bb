// O = P · V for one head group and one KV block: float16 operands, float32
// result. args: p (fp16, g x block), v (fp16, first value row of the block
// for this KV head), o (fp32, g x d), g, d, valid rows, value row stride,
// block.
#include <cstdint>

extern "C" __aicore__ void kernel_entry(__gm__ int64_t* args) {
    const _Float16* p = reinterpret_cast<const _Float16*>(args[0]);
    const _Float16* v = reinterpret_cast<const _Float16*>(args[1]);
    float* o = reinterpret_cast<float*>(args[2]);
    int64_t g = args[3], d = args[4], valid = args[5], v_stride = args[6], block = args[7];
    for (int64_t i = 0; i < g; ++i) {
        float* out = o + i * d;
        for (int64_t x = 0; x < d; ++x) out[x] = 0.0f;
        for (int64_t t = 0; t < valid; ++t) {
            float w = static_cast<float>(p[i * block + t]);
            const _Float16* row = v + t * v_stride;
            for (int64_t x = 0; x < d; ++x) out[x] += w * static_cast<float>(row[x]);
        }
    }
}
