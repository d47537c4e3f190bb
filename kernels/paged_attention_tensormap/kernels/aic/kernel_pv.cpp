// O_j = P · V for one head group and one KV block: float16 operands, float32
// result. Descriptors: p (group x block), v (the block's valid value rows of
// one KV head, valid x dim), o_j (group x dim).
#include "../matrix_view.h"

extern "C" __aicore__ void kernel_entry(__gm__ int64_t* args) {
    MatrixView<const _Float16> p = MatrixView<const _Float16>::of(descriptor(args, 0));
    MatrixView<const _Float16> v = MatrixView<const _Float16>::of(descriptor(args, 1));
    MatrixView<float> o = MatrixView<float>::of(descriptor(args, 2));
    for (uint64_t i = 0; i < o.rows; ++i) {
        for (uint64_t x = 0; x < o.cols; ++x) o.at(i, x) = 0.0f;
        for (uint64_t t = 0; t < v.rows; ++t) {
            float w = static_cast<float>(p.at(i, t));
            for (uint64_t x = 0; x < o.cols; ++x) o.at(i, x) += w * static_cast<float>(v.at(t, x));
        }
    }
}
