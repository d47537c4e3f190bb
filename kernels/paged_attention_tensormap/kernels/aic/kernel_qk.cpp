// S = Q · Kᵀ for one head group and one KV block: float16 in, float32 out.
// Descriptors: q (group x dim), k (the block's valid key rows of one KV head,
// valid x dim), s (group x block); columns of s past the valid rows are left
// alone (the softmax ignores them).
#include "../matrix_view.h"

extern "C" __aicore__ void kernel_entry(__gm__ int64_t* args) {
    MatrixView<const _Float16> q = MatrixView<const _Float16>::of(descriptor(args, 0));
    MatrixView<const _Float16> k = MatrixView<const _Float16>::of(descriptor(args, 1));
    MatrixView<float> s = MatrixView<float>::of(descriptor(args, 2));
    for (uint64_t i = 0; i < q.rows; ++i) {
        for (uint64_t t = 0; t < k.rows; ++t) {
            float acc = 0.0f;
            for (uint64_t x = 0; x < q.cols; ++x) {
                acc += static_cast<float>(q.at(i, x)) * static_cast<float>(k.at(t, x));
            }
            s.at(i, t) = acc;
        }
    }
}
