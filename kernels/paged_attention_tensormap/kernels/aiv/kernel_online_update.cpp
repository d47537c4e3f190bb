// Folds one block into a head group's running softmax state, in place:
//   m' = max(m, m_j); a = exp(m - m'); b = exp(m_j - m')
//   acc = a * acc + b * o_j; l = a * l + b * l_j; m = m'
// The state starts at m = -inf, l = 0, acc = 0, so the first block needs no
// case of its own (a = 0).
// Descriptors: m, l (group), acc (group x dim), all INOUT; m_j, l_j (group),
// o_j (group x dim).
#include <cmath>

#include "../matrix_view.h"

extern "C" __aicore__ void kernel_entry(__gm__ int64_t* args) {
    float* m = first_element<float>(descriptor(args, 0));
    float* l = first_element<float>(descriptor(args, 1));
    MatrixView<float> acc = MatrixView<float>::of(descriptor(args, 2));
    const float* mj = first_element<const float>(descriptor(args, 3));
    const float* lj = first_element<const float>(descriptor(args, 4));
    MatrixView<const float> oj = MatrixView<const float>::of(descriptor(args, 5));
    for (uint64_t i = 0; i < acc.rows; ++i) {
        const float mn = std::fmax(m[i], mj[i]);
        const float alpha = std::exp(m[i] - mn), beta = std::exp(mj[i] - mn);
        for (uint64_t x = 0; x < acc.cols; ++x) {
            acc.at(i, x) = alpha * acc.at(i, x) + beta * oj.at(i, x);
        }
        l[i] = alpha * l[i] + beta * lj[i];
        m[i] = mn;
    }
}
