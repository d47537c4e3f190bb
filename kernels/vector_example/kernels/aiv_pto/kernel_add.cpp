// out = a + b over float32, one row tile at a time (PTO-ISA: TLOAD, TADD,
// TSTORE). args: a, b, out, element count. The plain C++ twin is
// ../aiv/kernel_add.cpp.
#include "vector_tiles.h"

using namespace vector_example;

extern "C" __aicore__ void kernel_entry(__gm__ int64_t* args) {
    binary_rows(reinterpret_cast<__gm__ float*>(args[0]), reinterpret_cast<__gm__ float*>(args[1]),
                reinterpret_cast<__gm__ float*>(args[2]), args[3],
                [](RowTile& out, RowTile& a, RowTile& b) { pto::TADD(out, a, b); });
}
