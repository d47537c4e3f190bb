// Accumulates one tile product into C: C_tile = P on the first k step (C is
// then the task's OUTPUT), C_tile += P after (C is INOUT).
// Descriptors: c (tm x tn view of C), p (tm x tn); scalar: first (0 or 1).
#include "../tile.h"

extern "C" __aicore__ void kernel_entry(__gm__ int64_t* args) {
    Tile<float> c = Tile<float>::of(args, 0);
    Tile<const float> p = Tile<const float>::of(args, 1);
    const bool first = args[2] != 0;
    for (uint64_t i = 0; i < c.rows; ++i) {
        for (uint64_t j = 0; j < c.cols; ++j) {
            c.row(i)[j] = first ? p.row(i)[j] : c.row(i)[j] + p.row(i)[j];
        }
    }
}
