// out = exp(x + y), float32. args: x, y, out, element count.
#include <cmath>
#include <cstdint>

extern "C" __aicore__ void kernel_entry(__gm__ int64_t* args) {
    const float* x = reinterpret_cast<const float*>(args[0]);
    const float* y = reinterpret_cast<const float*>(args[1]);
    float* out = reinterpret_cast<float*>(args[2]);
    int64_t n = args[3];
    for (int64_t i = 0; i < n; ++i) out[i] = std::exp(x[i] + y[i]);
}
