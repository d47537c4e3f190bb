// out[i] = a[i] + s over float32. args: a, s (float bits in the low 32 bits),
// out, element count.
#include <cstdint>
#include <cstring>

extern "C" __aicore__ void kernel_entry(__gm__ int64_t* args) {
    const float* a = reinterpret_cast<const float*>(args[0]);
    uint32_t bits = static_cast<uint32_t>(args[1]);
    float s;
    std::memcpy(&s, &bits, sizeof s);
    float* out = reinterpret_cast<float*>(args[2]);
    int64_t n = args[3];
    for (int64_t i = 0; i < n; ++i) out[i] = a[i] + s;
}
