// Batched tiled GEMM, C[b] = A[b] @ B[b] (A, B float16; C float32).
//
// For batch b and output tile (i, j), a k-loop over the K tiles:
//   GEMM_k (AIC, func 0): P_k = A[b](i, k) @ B[b](k, j)   into its own scratch tile
//   ADD_k  (AIV, func 1): C[b](i, j) (+)= P_k
// Edges: GEMM_k -> ADD_k and ADD_{k-1} -> ADD_k. All GEMMs run in parallel;
// the additions into one output tile are ordered, tiles are independent.
//
// Arguments: [A, B, config, C] host pointers, their byte sizes, element
// count of A. config (int32): batch, M, K, N, tile_m, tile_k, tile_n; tiles
// must divide the matrix sizes.
#include <cstdint>
#include <cstdio>

#include "runtime.h"

namespace {
uint64_t ptr(const void* p) {
    return reinterpret_cast<uint64_t>(p);
}
}  // namespace

extern "C" int build_bgemm_graph(Runtime* rt, uint64_t* args, int arg_count) {
    if (arg_count != 9 || args[6] != 7 * sizeof(int32_t)) {
        {
            char why[256];
            std::snprintf(why, sizeof why, "build_bgemm_graph: expected A, B, config (7 int32), C");
            rt->fail(why);
        }
        return -1;
    }
    const int32_t* cfg = reinterpret_cast<const int32_t*>(args[2]);
    const int64_t batch = cfg[0], m = cfg[1], k = cfg[2], n = cfg[3];
    const int64_t tm = cfg[4], tk = cfg[5], tn = cfg[6];
    if (batch <= 0 || tm <= 0 || tk <= 0 || tn <= 0 || m % tm || k % tk || n % tn ||
        args[4] != static_cast<uint64_t>(batch * m * k * 2) ||
        args[5] != static_cast<uint64_t>(batch * k * n * 2) ||
        args[7] != static_cast<uint64_t>(batch * m * n * 4)) {
        {
            char why[256];
            std::snprintf(
                why, sizeof why,
                "build_bgemm_graph: sizes do not match config %lld x (%lld x %lld x %lld), "
                "tiles %lld x %lld x %lld (tiles must divide the sizes)",
                (long long)batch, (long long)m, (long long)k, (long long)n, (long long)tm,
                (long long)tk, (long long)tn);
            rt->fail(why);
        }
        return -1;
    }
    // The cube works in 16 x 16 blocks (the PTO-ISA tile GEMM takes tiles in
    // them), and a tile row is at most 256 floats wide (the tile add's row).
    if (tm % 16 || tk % 16 || tn % 16 || tn > 256) {
        rt->fail(
            "build_bgemm_graph: tiles must be multiples of 16 with tn at most 256 (the cube's "
            "block size, the vector row); change 'tile' in golden.py's PARAMS_LIST");
        return -1;
    }
    const int64_t mt = m / tm, kt = k / tk, nt = n / tn;

    HostApi& api = rt->host_api;
    auto* a = static_cast<_Float16*>(api.device_malloc(args[4]));
    auto* b = static_cast<_Float16*>(api.device_malloc(args[5]));
    auto* c = static_cast<float*>(api.device_malloc(args[7]));
    auto* scratch =
        static_cast<float*>(api.device_malloc(batch * mt * nt * kt * tm * tn * sizeof(float)));
    if (!a || !b || !c || !scratch) return -1;
    if (api.copy_to_device(a, reinterpret_cast<void*>(args[0]), args[4]) != 0 ||
        api.copy_to_device(b, reinterpret_cast<void*>(args[1]), args[5]) != 0) {
        return -1;
    }
    rt->record_tensor_pair(reinterpret_cast<void*>(args[3]), c, args[7]);

    float* tile = scratch;
    for (int64_t bi = 0; bi < batch; ++bi) {
        const _Float16* ab = a + bi * m * k;
        const _Float16* bb = b + bi * k * n;
        float* cb = c + bi * m * n;
        for (int64_t i = 0; i < mt; ++i) {
            for (int64_t j = 0; j < nt; ++j) {
                int previous_add = -1;
                for (int64_t s = 0; s < kt; ++s, tile += tm * tn) {
                    uint64_t gemm_args[] = {ptr(ab + i * tm * k + s * tk),
                                            ptr(bb + s * tk * n + j * tn),
                                            ptr(tile),
                                            (uint64_t)tm,
                                            (uint64_t)tk,
                                            (uint64_t)tn,
                                            (uint64_t)k,
                                            (uint64_t)n};
                    uint64_t add_args[] = {ptr(cb + i * tm * n + j * tn),
                                           ptr(tile),
                                           (uint64_t)tm,
                                           (uint64_t)tn,
                                           (uint64_t)n,
                                           s == 0 ? 1u : 0u};
                    int gemm = rt->add_task(gemm_args, 8, 0, CoreType::AIC);
                    int add = rt->add_task(add_args, 6, 1, CoreType::AIV);
                    if (gemm < 0 || add < 0) return -1;
                    rt->add_successor(gemm, add);
                    if (previous_add >= 0) rt->add_successor(previous_add, add);
                    previous_add = add;
                }
            }
        }
    }
    return 0;
}
