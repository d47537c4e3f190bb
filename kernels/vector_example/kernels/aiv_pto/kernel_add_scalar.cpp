// out = a + s over float32, one row tile at a time (PTO-ISA: TLOAD, TADDS,
// TSTORE). args: a, s (float bits in the low 32 bits), out, element count.
// The plain C++ twin is ../aiv/kernel_add_scalar.cpp.
#include <cstring>

#include "vector_tiles.h"

using namespace pto;
using namespace vector_example;

extern "C" __aicore__ void kernel_entry(__gm__ int64_t* args) {
    auto* a = reinterpret_cast<__gm__ float*>(args[0]);
    uint32_t bits = static_cast<uint32_t>(args[1]);
    float s;
    std::memcpy(&s, &bits, sizeof s);
    auto* out = reinterpret_cast<__gm__ float*>(args[2]);
    int64_t n = args[3];
    for (int64_t at = 0; at < n; at += kTileElements) {
        unsigned len = tile_length(at, n);
        RowTile ta(len), tc(len);
        TASSIGN(ta, 0 * kSlotBytes);
        TASSIGN(tc, 1 * kSlotBytes);
        GlobalRow ga(a + at, RowShape(len)), gc(out + at, RowShape(len));
        TLOAD(ta, ga);
        TADDS(tc, ta, s);
        TSTORE(gc, tc);
    }
}
