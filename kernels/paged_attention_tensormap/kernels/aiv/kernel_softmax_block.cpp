// Block softmax statistics per query head: m_j = max(scale * s), p =
// exp(scale * s - m_j) stored as float16 for the cube, l_j = sum(p); columns
// past the block's valid rows get p = 0.
// Descriptors: s (group x block), p (group x block), m_j (group), l_j (group);
// scalars: valid rows, scale (a float in the low 32 bits).
#include <cmath>
#include <cstring>

#include "../matrix_view.h"

extern "C" __aicore__ void kernel_entry(__gm__ int64_t* args) {
    MatrixView<const float> s = MatrixView<const float>::of(descriptor(args, 0));
    MatrixView<_Float16> p = MatrixView<_Float16>::of(descriptor(args, 1));
    float* m = first_element<float>(descriptor(args, 2));
    float* l = first_element<float>(descriptor(args, 3));
    const uint64_t valid = static_cast<uint64_t>(args[4]);
    const uint32_t bits = static_cast<uint32_t>(args[5]);
    float scale;
    std::memcpy(&scale, &bits, sizeof scale);
    for (uint64_t i = 0; i < s.rows; ++i) {
        float mx = -INFINITY;
        for (uint64_t t = 0; t < valid; ++t) mx = std::fmax(mx, s.at(i, t) * scale);
        float sum = 0.0f;
        for (uint64_t t = 0; t < p.cols; ++t) {
            _Float16 e =
                t < valid ? static_cast<_Float16>(std::exp(s.at(i, t) * scale - mx)) : _Float16(0);
            p.at(i, t) = e;
            sum += static_cast<float>(e);
        }
        m[i] = mx;
        l[i] = sum;
    }
}
