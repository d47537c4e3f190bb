// out = a + b. Arguments: descriptors of a, b, out.
#include "rows.h"

extern "C" __aicore__ void kernel_entry(__gm__ int64_t* args) {
    RowView a = RowView::of(descriptor(args, 0));
    RowView b = RowView::of(descriptor(args, 1));
    RowView out = RowView::of(descriptor(args, 2));
    for (uint64_t r = 0; r < out.rows; ++r) {
        for (uint64_t c = 0; c < out.cols; ++c) out.row(r)[c] = a.row(r)[c] + b.row(r)[c];
    }
}
