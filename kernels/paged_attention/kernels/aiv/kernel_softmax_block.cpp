// Block softmax statistics: m = max(scale * s), p = exp(scale * s - m) (stored
// as float16 for the cube), l = sum(p), per query head; positions past the
// block's valid length get p = 0.
// args: s (fp32, g x block), p (fp16, g x block), m (fp32, g), l (fp32, g),
// g, block, valid, scale (float bits in the low 32 bits).
#include <cmath>
#include <cstdint>
#include <cstring>

extern "C" __aicore__ void kernel_entry(__gm__ int64_t* args) {
    const float* s = reinterpret_cast<const float*>(args[0]);
    _Float16* p = reinterpret_cast<_Float16*>(args[1]);
    float* m = reinterpret_cast<float*>(args[2]);
    float* l = reinterpret_cast<float*>(args[3]);
    int64_t g = args[4], block = args[5], valid = args[6];
    uint32_t bits = static_cast<uint32_t>(args[7]);
    float scale;
    std::memcpy(&scale, &bits, sizeof scale);
    for (int64_t i = 0; i < g; ++i) {
        const float* row = s + i * block;
        float mx = -INFINITY;
        for (int64_t t = 0; t < valid; ++t) mx = std::fmax(mx, row[t] * scale);
        float sum = 0.0f;
        for (int64_t t = 0; t < block; ++t) {
            _Float16 e =
                t < valid ? static_cast<_Float16>(std::exp(row[t] * scale - mx)) : _Float16(0);
            p[i * block + t] = e;
            sum += static_cast<float>(e);
        }
        m[i] = mx;
        l[i] = sum;
    }
}
