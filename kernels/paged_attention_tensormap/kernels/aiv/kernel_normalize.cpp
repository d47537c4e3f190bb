// out = acc / l for one head group, after its last block.
// Descriptors: acc (group x dim), l (group), out (the group's rows of the
// output, group x dim).
#include "../matrix_view.h"

extern "C" __aicore__ void kernel_entry(__gm__ int64_t* args) {
    MatrixView<const float> acc = MatrixView<const float>::of(descriptor(args, 0));
    const float* l = first_element<const float>(descriptor(args, 1));
    MatrixView<float> out = MatrixView<float>::of(descriptor(args, 2));
    for (uint64_t i = 0; i < out.rows; ++i) {
        for (uint64_t x = 0; x < out.cols; ++x) out.at(i, x) = acc.at(i, x) / l[i];
    }
}
