// F = exp(sqrt(log(A)) @ W1 + sqrt(log(A)) @ W2), tiled by rows of A:
//
//   for each row tile r:   L_r  = sqrt(log(A_r))          AIV  (func 0)
//                          C1_r = L_r @ W1                AIC  (func 1)
//                          C2_r = L_r @ W2                AIC  (func 1)
//                          F_r  = exp(C1_r + C2_r)        AIV  (func 2)
//   edges: L_r -> C1_r, L_r -> C2_r, C1_r -> F_r, C2_r -> F_r
//
// Arguments: [A, W1, W2, F host pointers, their byte sizes, element count of
// A]. A is M x K float16, W1 and W2 are K x N float16, F is M x N float32; the
// shapes follow from the sizes.
#include <cmath>
#include <cstdint>
#include <cstdio>

#include "runtime.h"

namespace {

constexpr int64_t kTileRows = 32;

uint64_t ptr(const void* p) {
    return reinterpret_cast<uint64_t>(p);
}

}  // namespace

extern "C" int build_matmul_graph(Runtime* rt, uint64_t* args, int arg_count) {
    if (arg_count != 9) {
        std::fprintf(
            stderr,
            "build_matmul_graph: expected 9 arguments (A, W1, W2, F, 4 sizes, count), got %d\n",
            arg_count);
        return -1;
    }
    const uint64_t a_bytes = args[4], w1_bytes = args[5], w2_bytes = args[6], f_bytes = args[7];
    // M*K = a/2, K*N = w/2, M*N = f/4  =>  M = sqrt((M*K)(M*N)/(K*N)).
    const double mk = a_bytes / 2.0, kn = w1_bytes / 2.0, mn = f_bytes / 4.0;
    const int64_t m = std::llround(std::sqrt(mk * mn / kn));
    const int64_t k = m ? static_cast<int64_t>(mk) / m : 0;
    const int64_t n = m ? static_cast<int64_t>(mn) / m : 0;
    if (m <= 0 || m * k * 2 != static_cast<int64_t>(a_bytes) ||
        k * n * 2 != static_cast<int64_t>(w1_bytes) || w1_bytes != w2_bytes ||
        m * n * 4 != static_cast<int64_t>(f_bytes)) {
        {
            char why[256];
            std::snprintf(why, sizeof why,
                          "build_matmul_graph: sizes %llu, %llu, %llu, %llu do not fit A[M,K] f16, "
                          "W[K,N] f16, F[M,N] f32",
                          (unsigned long long)a_bytes, (unsigned long long)w1_bytes,
                          (unsigned long long)w2_bytes, (unsigned long long)f_bytes);
            rt->fail(why);
        }
        return -1;
    }

    // The cube works in 16 x 16 blocks along k and n (the PTO-ISA matmul
    // takes them so; a partial block of rows is fine).
    if (k % 16 || n % 16) {
        rt->fail(
            "build_matmul_graph: K and N must be multiples of 16 (the cube's block size); "
            "change them in golden.py's PARAMS_LIST");
        return -1;
    }

    HostApi& api = rt->host_api;
    void* a = api.device_malloc(a_bytes);
    void* w1 = api.device_malloc(w1_bytes);
    void* w2 = api.device_malloc(w2_bytes);
    void* l = api.device_malloc(a_bytes);
    void* c1 = api.device_malloc(f_bytes);
    void* c2 = api.device_malloc(f_bytes);
    void* f = api.device_malloc(f_bytes);
    if (!a || !w1 || !w2 || !l || !c1 || !c2 || !f) return -1;
    if (api.copy_to_device(a, reinterpret_cast<void*>(args[0]), a_bytes) != 0 ||
        api.copy_to_device(w1, reinterpret_cast<void*>(args[1]), w1_bytes) != 0 ||
        api.copy_to_device(w2, reinterpret_cast<void*>(args[2]), w2_bytes) != 0) {
        return -1;
    }
    rt->record_tensor_pair(reinterpret_cast<void*>(args[3]), f, f_bytes);

    auto* a16 = static_cast<_Float16*>(a);
    auto* l16 = static_cast<_Float16*>(l);
    for (int64_t r0 = 0; r0 < m; r0 += kTileRows) {
        int64_t rows = m - r0 < kTileRows ? m - r0 : kTileRows;
        float* c1_tile = static_cast<float*>(c1) + r0 * n;
        float* c2_tile = static_cast<float*>(c2) + r0 * n;
        float* f_tile = static_cast<float*>(f) + r0 * n;

        uint64_t log_args[] = {ptr(a16 + r0 * k), ptr(l16 + r0 * k),
                               static_cast<uint64_t>(rows * k)};
        uint64_t mm1_args[] = {ptr(l16 + r0 * k), ptr(w1),     ptr(c1_tile),
                               (uint64_t)rows,    (uint64_t)k, (uint64_t)n};
        uint64_t mm2_args[] = {ptr(l16 + r0 * k), ptr(w2),     ptr(c2_tile),
                               (uint64_t)rows,    (uint64_t)k, (uint64_t)n};
        uint64_t exp_args[] = {ptr(c1_tile), ptr(c2_tile), ptr(f_tile),
                               static_cast<uint64_t>(rows * n)};

        int log_task = rt->add_task(log_args, 3, 0, CoreType::AIV);
        int mm1 = rt->add_task(mm1_args, 6, 1, CoreType::AIC);
        int mm2 = rt->add_task(mm2_args, 6, 1, CoreType::AIC);
        int out = rt->add_task(exp_args, 4, 2, CoreType::AIV);
        if (log_task < 0 || mm1 < 0 || mm2 < 0 || out < 0) return -1;
        rt->add_successor(log_task, mm1);
        rt->add_successor(log_task, mm2);
        rt->add_successor(mm1, out);
        rt->add_successor(mm2, out);
    }
    return 0;
}
