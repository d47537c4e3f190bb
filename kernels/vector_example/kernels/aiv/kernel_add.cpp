// out[i] = a[i] + b[i] over float32. args: a, b, out, element count.
#include <cstdint>

extern "C" __aicore__ void kernel_entry(__gm__ int64_t* args) {
    const float* a = reinterpret_cast<const float*>(args[0]);
    const float* b = reinterpret_cast<const float*>(args[1]);
    float* out = reinterpret_cast<float*>(args[2]);
    int64_t n = args[3];
    for (int64_t i = 0; i < n; ++i) out[i] = a[i] + b[i];
}
