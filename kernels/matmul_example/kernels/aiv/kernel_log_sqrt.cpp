// out = sqrt(log(in)), float16 in and out, computed in float32.
// args: in (fp16*), out (fp16*), element count.
#include <cmath>
#include <cstdint>

extern "C" __aicore__ void kernel_entry(__gm__ int64_t* args) {
    const _Float16* in = reinterpret_cast<const _Float16*>(args[0]);
    _Float16* out = reinterpret_cast<_Float16*>(args[1]);
    int64_t n = args[2];
    for (int64_t i = 0; i < n; ++i) {
        out[i] = static_cast<_Float16>(std::sqrt(std::log(static_cast<float>(in[i]))));
    }
}
