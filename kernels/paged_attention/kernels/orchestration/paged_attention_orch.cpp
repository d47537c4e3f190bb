// Single-query decode attention over a paged KV cache, with online softmax.
//
// For batch b, head group g (the query heads sharing KV head g) and KV block
// j of b's context:
//   QK_j  (AIC, func 0): S_j = Q_g · K_jᵀ
//   SM_j  (AIV, func 1): m_j, P_j = exp(scale·S_j - m_j), l_j = sum P_j
//   PV_j  (AIC, func 2): O_j = P_j · V_j
//   UP_j  (AIV, func 3): fold (m_j, l_j, O_j) into the running (m, l, acc);
//                        the last block writes out = acc / l
// Edges: QK_j -> SM_j -> PV_j -> UP_j, and UP_{j-1} -> UP_j. Blocks of one
// (b, g) compute in parallel up to their update; (b, g) pairs are independent.
//
// Arguments: [query, key_cache, value_cache, block_table, context_lens,
// config, out] host pointers, their byte sizes, element count of query.
// config (int32): batch, heads, kv_heads, head_dim, block_size, num_blocks,
// max_blocks_per_sequence.
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>

#include "runtime.h"

namespace {

uint64_t ptr(const void* p) {
    return reinterpret_cast<uint64_t>(p);
}

uint64_t float_bits(float v) {
    uint32_t bits;
    std::memcpy(&bits, &v, sizeof bits);
    return bits;
}

// Carves aligned pieces out of one device allocation.
struct Arena {
    char* base;
    size_t used;
    size_t size;
    void* take(size_t bytes) {
        size_t at = (used + 63) / 64 * 64;
        if (at + bytes > size) return nullptr;
        used = at + bytes;
        return base + at;
    }
};

}  // namespace

extern "C" int build_paged_attention_graph(Runtime* rt, uint64_t* args, int arg_count) {
    if (arg_count != 15) {
        {
            char why[256];
            std::snprintf(why, sizeof why,
                          "build_paged_attention_graph: expected 15 arguments, got %d", arg_count);
            rt->fail(why);
        }
        return -1;
    }
    const int32_t* cfg = reinterpret_cast<const int32_t*>(args[5]);
    if (args[12] != 7 * sizeof(int32_t)) {
        {
            char why[256];
            std::snprintf(why, sizeof why,
                          "build_paged_attention_graph: config must hold 7 int32 values");
            rt->fail(why);
        }
        return -1;
    }
    const int64_t batch = cfg[0], heads = cfg[1], kv_heads = cfg[2], dim = cfg[3];
    const int64_t block = cfg[4], num_blocks = cfg[5], max_blocks = cfg[6];
    if (batch <= 0 || kv_heads <= 0 || heads % kv_heads != 0 || dim <= 0 || block <= 0 ||
        args[7] != static_cast<uint64_t>(batch * heads * dim * 2) ||
        args[8] != static_cast<uint64_t>(num_blocks * block * kv_heads * dim * 2) ||
        args[10] != static_cast<uint64_t>(batch * max_blocks * 4) ||
        args[11] != static_cast<uint64_t>(batch * 4) ||
        args[13] != static_cast<uint64_t>(batch * heads * dim * 4)) {
        {
            char why[256];
            std::snprintf(why, sizeof why,
                          "build_paged_attention_graph: tensor sizes do not match the config");
            rt->fail(why);
        }
        return -1;
    }
    const int64_t group = heads / kv_heads;
    const int32_t* block_table = reinterpret_cast<const int32_t*>(args[3]);
    const int32_t* context_lens = reinterpret_cast<const int32_t*>(args[4]);
    const float scale = 1.0f / std::sqrt(static_cast<float>(dim));

    int64_t total_blocks = 0;
    for (int64_t b = 0; b < batch; ++b) {
        int64_t ctx = context_lens[b];
        int64_t blocks = (ctx + block - 1) / block;
        if (ctx <= 0 || blocks > max_blocks) {
            {
                char why[256];
                std::snprintf(why, sizeof why,
                              "build_paged_attention_graph: sequence %lld has context length %lld; "
                              "it must be 1..%lld",
                              (long long)b, (long long)ctx, (long long)(max_blocks * block));
                rt->fail(why);
            }
            return -1;
        }
        for (int64_t j = 0; j < blocks; ++j) {
            int32_t phys = block_table[b * max_blocks + j];
            if (phys < 0 || phys >= num_blocks) {
                {
                    char why[256];
                    std::snprintf(
                        why, sizeof why,
                        "build_paged_attention_graph: block_table[%lld][%lld] = %d is not a "
                        "cache block (0..%lld)",
                        (long long)b, (long long)j, phys, (long long)num_blocks - 1);
                    rt->fail(why);
                }
                return -1;
            }
        }
        total_blocks += blocks;
    }

    HostApi& api = rt->host_api;
    void* q = api.device_malloc(args[7]);
    void* kc = api.device_malloc(args[8]);
    void* vc = api.device_malloc(args[9]);
    void* out = api.device_malloc(args[13]);
    // Per block: S (f32), P (f16), m_j, l_j, O_j; per (b, g): m, l, acc.
    size_t per_block = 5 * 64 + group * block * (4 + 2) + group * 8 + group * dim * 4;
    size_t per_group = 3 * 64 + group * 8 + group * dim * 4;
    size_t scratch_bytes = total_blocks * kv_heads * per_block + batch * kv_heads * per_group + 64;
    Arena arena{static_cast<char*>(api.device_malloc(scratch_bytes)), 0, scratch_bytes};
    if (!q || !kc || !vc || !out || !arena.base) return -1;
    if (api.copy_to_device(q, reinterpret_cast<void*>(args[0]), args[7]) != 0 ||
        api.copy_to_device(kc, reinterpret_cast<void*>(args[1]), args[8]) != 0 ||
        api.copy_to_device(vc, reinterpret_cast<void*>(args[2]), args[9]) != 0) {
        return -1;
    }
    rt->record_tensor_pair(reinterpret_cast<void*>(args[6]), out, args[13]);

    const int64_t row_stride = kv_heads * dim;  // between consecutive tokens of one KV head
    for (int64_t b = 0; b < batch; ++b) {
        const int64_t ctx = context_lens[b];
        const int64_t blocks = (ctx + block - 1) / block;
        for (int64_t g = 0; g < kv_heads; ++g) {
            void* m = arena.take(group * 4);
            void* l = arena.take(group * 4);
            void* acc = arena.take(group * dim * 4);
            const _Float16* q_group =
                static_cast<const _Float16*>(q) + (b * heads + g * group) * dim;
            float* out_group = static_cast<float*>(out) + (b * heads + g * group) * dim;
            int previous_update = -1;
            for (int64_t j = 0; j < blocks; ++j) {
                const int64_t valid = j == blocks - 1 ? ctx - j * block : block;
                const int64_t phys = block_table[b * max_blocks + j];
                const _Float16* k_rows =
                    static_cast<const _Float16*>(kc) + (phys * block * kv_heads + g) * dim;
                const _Float16* v_rows =
                    static_cast<const _Float16*>(vc) + (phys * block * kv_heads + g) * dim;
                void* s = arena.take(group * block * 4);
                void* p = arena.take(group * block * 2);
                void* mj = arena.take(group * 4);
                void* lj = arena.take(group * 4);
                void* oj = arena.take(group * dim * 4);
                if (!m || !l || !acc || !s || !p || !mj || !lj || !oj) return -1;

                uint64_t qk_args[] = {ptr(q_group),         ptr(k_rows),    ptr(s),
                                      (uint64_t)group,      (uint64_t)dim,  (uint64_t)valid,
                                      (uint64_t)row_stride, (uint64_t)block};
                uint64_t sm_args[] = {ptr(s),          ptr(p),           ptr(mj),
                                      ptr(lj),         (uint64_t)group,  (uint64_t)block,
                                      (uint64_t)valid, float_bits(scale)};
                uint64_t pv_args[] = {ptr(p),
                                      ptr(v_rows),
                                      ptr(oj),
                                      (uint64_t)group,
                                      (uint64_t)dim,
                                      (uint64_t)valid,
                                      (uint64_t)row_stride,
                                      (uint64_t)block};
                uint64_t flags = (j == 0 ? 1u : 0u) | (j == blocks - 1 ? 2u : 0u);
                uint64_t up_args[] = {ptr(m),        ptr(l),  ptr(acc),       ptr(mj),
                                      ptr(lj),       ptr(oj), ptr(out_group), (uint64_t)group,
                                      (uint64_t)dim, flags};

                int qk = rt->add_task(qk_args, 8, 0, CoreType::AIC);
                int sm = rt->add_task(sm_args, 8, 1, CoreType::AIV);
                int pv = rt->add_task(pv_args, 8, 2, CoreType::AIC);
                int up = rt->add_task(up_args, 10, 3, CoreType::AIV);
                if (qk < 0 || sm < 0 || pv < 0 || up < 0) return -1;
                rt->add_successor(qk, sm);
                rt->add_successor(sm, pv);
                rt->add_successor(pv, up);
                if (previous_update >= 0) rt->add_successor(previous_update, up);
                previous_update = up;
            }
        }
    }
    return 0;
}
