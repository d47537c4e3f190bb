// Accumulates one tile product into C: C_tile = P (first k step) or
// C_tile += P. args: c (fp32, leading dimension ldc), p (fp32 tm x tn), tm,
// tn, ldc, first.
#include <cstdint>

extern "C" __aicore__ void kernel_entry(__gm__ int64_t* args) {
    float* c = reinterpret_cast<float*>(args[0]);
    const float* p = reinterpret_cast<const float*>(args[1]);
    int64_t tm = args[2], tn = args[3], ldc = args[4];
    bool first = args[5] != 0;
    for (int64_t i = 0; i < tm; ++i) {
        for (int64_t j = 0; j < tn; ++j) {
            float v = p[i * tn + j];
            c[i * ldc + j] = first ? v : c[i * ldc + j] + v;
        }
    }
}
