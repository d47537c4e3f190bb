// Batched tiled GEMM, C[b] = A[b] @ B[b] (A, B float16; C float32), for the
// tensormap_and_ringbuffer runtime. No edge is stated.
//
// For batch b and output tile (i, j), a k-loop over the K tiles:
//   GEMM_k (AIC, func 0): P_k = A[b](i, k) @ B[b](k, j), a tile from the ring heap
//   ADD_k  (AIV, func 1): C[b](i, j) = P_0 (an OUTPUT of the existing C), then
//                         C[b](i, j) += P_k (INOUT)
// Discovery orders each ADD after its GEMM (P_k) and after the previous ADD
// (the same C tile); the GEMMs of a tile run in parallel, tiles are
// independent. Each k step is a scope of its own: its product is reclaimed
// once its addition has read it, so any number of tiles streams through
// rings of fixed size.
//
// Arguments: A (batch, M, K) f16, B (batch, K, N) f16, C (batch, M, N) f32;
// scalars: tile_m, tile_k, tile_n, which must divide M, K, N.
#include "pto_orchestration_api.h"

namespace {
constexpr int kGemm = 0, kAdd = 1;
constexpr int32_t kBadArguments = 1;
}  // namespace

extern "C" PTO2OrchestrationConfig aicpu_orchestration_config(const ChipTaskArgs&) {
    return PTO2OrchestrationConfig{.expected_arg_count = 6};  // A, B, C, tile_m, tile_k, tile_n
}

extern "C" void aicpu_orchestration_entry(const ChipTaskArgs& args) {
    const ChipTensor& a = args.tensor(0).ref();
    const ChipTensor& b = args.tensor(1).ref();
    const ChipTensor& c = args.tensor(2).ref();
    const uint64_t tm = args.scalar(0), tk = args.scalar(1), tn = args.scalar(2);
    if (a.ndims != 3 || b.ndims != 3 || c.ndims != 3 || a.dtype != DataType::FLOAT16 ||
        b.dtype != DataType::FLOAT16 || c.dtype != DataType::FLOAT32) {
        rt_report_fatal(kBadArguments,
                        "expected A (b, M, K) f16, B (b, K, N) f16, C (b, M, N) f32");
        return;
    }
    const uint64_t batch = a.shapes[0], m = a.shapes[1], k = a.shapes[2], n = b.shapes[2];
    if (b.shapes[0] != batch || b.shapes[1] != k || c.shapes[0] != batch || c.shapes[1] != m ||
        c.shapes[2] != n || tm == 0 || tk == 0 || tn == 0 || m % tm || k % tk || n % tn) {
        rt_report_fatal(kBadArguments,
                        "shapes A %llux%llux%llu, B %llux%llux%llu, C %llux%llux%llu with tiles "
                        "%llu x %llu x %llu: the shapes must agree and the tiles divide them",
                        (unsigned long long)a.shapes[0], (unsigned long long)a.shapes[1],
                        (unsigned long long)a.shapes[2], (unsigned long long)b.shapes[0],
                        (unsigned long long)b.shapes[1], (unsigned long long)b.shapes[2],
                        (unsigned long long)c.shapes[0], (unsigned long long)c.shapes[1],
                        (unsigned long long)c.shapes[2], (unsigned long long)tm,
                        (unsigned long long)tk, (unsigned long long)tn);
        return;
    }
    for (uint64_t bi = 0; bi < batch; ++bi) {
        for (uint64_t i = 0; i < m / tm; ++i) {
            for (uint64_t j = 0; j < n / tn; ++j) {
                const ChipTensor c_tile = c.view({1, tm, tn}, {bi, i * tm, j * tn});
                for (uint64_t s = 0; s < k / tk; ++s) {
                    PTO2_SCOPE() {
                        CoreTaskArgs gemm;
                        gemm.add_input(a.view({1, tm, tk}, {bi, i * tm, s * tk}))
                            .add_input(b.view({1, tk, tn}, {bi, s * tk, j * tn}))
                            .add_output(TensorCreateInfo({tm, tn}, DataType::FLOAT32));
                        const ChipTensor p = rt_submit_aic_task(kGemm, gemm).get_ref(0);

                        CoreTaskArgs add;
                        if (s == 0) {
                            add.add_output(c_tile);
                        } else {
                            add.add_inout(c_tile);
                        }
                        add.add_input(p).add_scalar(uint64_t{s == 0 ? 1u : 0u});
                        rt_submit_aiv_task(kAdd, add);
                    }
                }
            }
        }
    }
}
