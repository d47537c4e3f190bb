// out = a + b over float32, one row tile at a time (PTO-ISA: TLOAD, TADD,
// TSTORE). args: a, b, out, element count. The plain C++ twin is
// ../aiv/kernel_add.cpp.
#include "vector_tiles.h"

using namespace pto;
using namespace vector_example;

extern "C" __aicore__ void kernel_entry(__gm__ int64_t* args) {
    auto* a = reinterpret_cast<__gm__ float*>(args[0]);
    auto* b = reinterpret_cast<__gm__ float*>(args[1]);
    auto* out = reinterpret_cast<__gm__ float*>(args[2]);
    int64_t n = args[3];
    for (int64_t at = 0; at < n; at += kTileElements) {
        unsigned len = tile_length(at, n);
        RowTile ta(len), tb(len), tc(len);
        TASSIGN(ta, 0 * kSlotBytes);
        TASSIGN(tb, 1 * kSlotBytes);
        TASSIGN(tc, 2 * kSlotBytes);
        GlobalRow ga(a + at, RowShape(len)), gb(b + at, RowShape(len)), gc(out + at, RowShape(len));
        TLOAD(ta, ga);
        TLOAD(tb, gb);
        TADD(tc, ta, tb);
        TSTORE(gc, tc);
    }
}
