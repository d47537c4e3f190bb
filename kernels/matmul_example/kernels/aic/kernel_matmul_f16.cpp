// C = A @ B with float16 operands and float32 accumulation and result.
// args: a (fp16*, rows x k), b (fp16*, k x n), c (fp32*, rows x n), rows, k, n.
#include <cstdint>

extern "C" __aicore__ void kernel_entry(__gm__ int64_t* args) {
    const _Float16* a = reinterpret_cast<const _Float16*>(args[0]);
    const _Float16* b = reinterpret_cast<const _Float16*>(args[1]);
    float* c = reinterpret_cast<float*>(args[2]);
    int64_t rows = args[3], k = args[4], n = args[5];
    for (int64_t i = 0; i < rows; ++i) {
        float* row = c + i * n;
        for (int64_t j = 0; j < n; ++j) row[j] = 0.0f;
        for (int64_t p = 0; p < k; ++p) {
            float av = static_cast<float>(a[i * k + p]);
            const _Float16* brow = b + p * n;
            for (int64_t j = 0; j < n; ++j) row[j] += av * static_cast<float>(brow[j]);
        }
    }
}
