// out = in + s. Arguments: descriptors of in, out; then s (a float in the low 32 bits).
#include <cstring>

#include "rows.h"

extern "C" __aicore__ void kernel_entry(__gm__ int64_t* args) {
    RowView in = RowView::of(descriptor(args, 0));
    RowView out = RowView::of(descriptor(args, 1));
    uint32_t bits = static_cast<uint32_t>(args[2]);
    float s;
    std::memcpy(&s, &bits, sizeof s);
    for (uint64_t r = 0; r < out.rows; ++r) {
        for (uint64_t c = 0; c < out.cols; ++c) out.row(r)[c] = in.row(r)[c] + s;
    }
}
