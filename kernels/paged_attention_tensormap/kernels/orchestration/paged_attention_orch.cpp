// Single-query decode attention over a paged KV cache, with online softmax,
// for the tensormap_and_ringbuffer runtime. No edge is stated: every task
// names what it reads and writes, and the runtime orders them.
//
// For batch b, head group g (the query heads sharing KV head g) and KV block
// j of b's context (block table and context length read on the device side
// with get_tensor_data):
//   QK   (AIC, func 0): S = Q_g · K_jᵀ
//   SM   (AIV, func 1): m_j, P = exp(scale·S - m_j), l_j = sum P
//   PV   (AIC, func 2): O_j = P · V_j
//   UP   (AIV, func 3): (m, l, acc) updated in place (INOUT) with the block
//   NORM (AIV, func 4): out[b, g's heads] = acc / l, after the last block
// Blocks of one (b, g) compute in parallel up to their update; the updates
// chain through the INOUT state; (b, g) pairs are independent. Each (b, g)
// is a scope holding its running state; each block is a nested scope whose
// intermediates are reclaimed once the block's update has read them.
//
// Arguments: query (batch, heads, dim) f16, key_cache and value_cache
// (num_blocks, block, kv_heads, dim) f16, block_table (batch, max_blocks)
// int32, context_lens (batch) int32, out (batch, heads, dim) f32; scalar:
// the softmax scale (a float).
#include <cmath>

#include "pto_orchestration_api.h"

namespace {

constexpr int kQk = 0, kSoftmax = 1, kPv = 2, kUpdate = 3, kNormalize = 4;
constexpr int32_t kBadArguments = 1;

bool has_shape(const ChipTensor& t, DataType dtype, uint32_t ndims) {
    return t.dtype == dtype && t.ndims == ndims;
}

}  // namespace

extern "C" PTO2OrchestrationConfig aicpu_orchestration_config(const ChipTaskArgs&) {
    // query, key_cache, value_cache, block_table, context_lens, out, scale
    return PTO2OrchestrationConfig{.expected_arg_count = 7};
}

extern "C" void aicpu_orchestration_entry(const ChipTaskArgs& args) {
    const ChipTensor& query = args.tensor(0).ref();
    const ChipTensor& key_cache = args.tensor(1).ref();
    const ChipTensor& value_cache = args.tensor(2).ref();
    const ChipTensor& block_table = args.tensor(3).ref();
    const ChipTensor& context_lens = args.tensor(4).ref();
    const ChipTensor& out = args.tensor(5).ref();
    const uint64_t scale_bits = args.scalar(0);

    if (!has_shape(query, DataType::FLOAT16, 3) || !has_shape(key_cache, DataType::FLOAT16, 4) ||
        !has_shape(value_cache, DataType::FLOAT16, 4) ||
        !has_shape(block_table, DataType::INT32, 2) ||
        !has_shape(context_lens, DataType::INT32, 1) || !has_shape(out, DataType::FLOAT32, 3)) {
        rt_report_fatal(kBadArguments,
                        "expected query (b, h, d) f16, key/value caches (blocks, block, kv_heads, "
                        "d) f16, block_table (b, max_blocks) int32, context_lens (b) int32, out "
                        "(b, h, d) f32");
        return;
    }
    const uint64_t batch = query.shapes[0], heads = query.shapes[1], dim = query.shapes[2];
    const uint64_t num_blocks = key_cache.shapes[0], block = key_cache.shapes[1];
    const uint64_t kv_heads = key_cache.shapes[2], max_blocks = block_table.shapes[1];
    bool shapes_agree = kv_heads > 0 && heads % kv_heads == 0 && key_cache.shapes[3] == dim &&
                        block_table.shapes[0] == batch && context_lens.shapes[0] == batch &&
                        out.shapes[0] == batch && out.shapes[1] == heads && out.shapes[2] == dim;
    for (uint32_t i = 0; i < 4; ++i) shapes_agree &= value_cache.shapes[i] == key_cache.shapes[i];
    if (!shapes_agree) {
        rt_report_fatal(kBadArguments, "tensor shapes do not agree (heads %llu, kv_heads %llu)",
                        (unsigned long long)heads, (unsigned long long)kv_heads);
        return;
    }
    const uint64_t group = heads / kv_heads;

    for (uint64_t b = 0; b < batch; ++b) {
        const int32_t ctx = get_tensor_data<int32_t>(context_lens, {b});
        if (ctx <= 0 || static_cast<uint64_t>(ctx) > max_blocks * block) {
            rt_report_fatal(kBadArguments, "context_lens[%llu] = %d; it must be 1..%llu",
                            (unsigned long long)b, ctx, (unsigned long long)(max_blocks * block));
            return;
        }
        const uint64_t blocks = (static_cast<uint64_t>(ctx) + block - 1) / block;
        for (uint64_t g = 0; g < kv_heads; ++g) {
            PTO2_SCOPE() {
                TensorCreateInfo m_info({group}, DataType::FLOAT32);
                TensorCreateInfo l_info({group}, DataType::FLOAT32);
                TensorCreateInfo acc_info({group, dim}, DataType::FLOAT32);
                m_info.set_initial_value(-INFINITY);
                l_info.set_initial_value(0.0f);
                acc_info.set_initial_value(0.0f);
                const TaskOutputTensors state = alloc_tensors(m_info, l_info, acc_info);
                const ChipTensor m = state.get_ref(0), l = state.get_ref(1);
                const ChipTensor acc = state.get_ref(2);
                const ChipTensor q = query.view({1, group, dim}, {b, g * group, 0});

                for (uint64_t j = 0; j < blocks; ++j) {
                    const int32_t phys = get_tensor_data<int32_t>(block_table, {b, j});
                    if (phys < 0 || static_cast<uint64_t>(phys) >= num_blocks) {
                        rt_report_fatal(kBadArguments,
                                        "block_table[%llu][%llu] = %d is not a cache block "
                                        "(0..%llu)",
                                        (unsigned long long)b, (unsigned long long)j, phys,
                                        (unsigned long long)num_blocks - 1);
                        return;
                    }
                    const uint64_t valid =
                        j == blocks - 1 ? static_cast<uint64_t>(ctx) - j * block : block;
                    const uint64_t at[4] = {static_cast<uint64_t>(phys), 0, g, 0};
                    const uint64_t rows[4] = {1, valid, 1, dim};
                    const ChipTensor k = key_cache.view(rows, at);
                    const ChipTensor v = value_cache.view(rows, at);
                    PTO2_SCOPE() {
                        CoreTaskArgs qk;
                        qk.add_input(q).add_input(k).add_output(
                            TensorCreateInfo({group, block}, DataType::FLOAT32));
                        const ChipTensor s = rt_submit_aic_task(kQk, qk).get_ref(0);

                        CoreTaskArgs sm;
                        sm.add_input(s)
                            .add_output(TensorCreateInfo({group, block}, DataType::FLOAT16))
                            .add_output(TensorCreateInfo({group}, DataType::FLOAT32))
                            .add_output(TensorCreateInfo({group}, DataType::FLOAT32))
                            .add_scalar(valid)
                            .add_scalar(scale_bits);
                        const TaskOutputTensors stats = rt_submit_aiv_task(kSoftmax, sm);

                        CoreTaskArgs pv;
                        pv.add_input(stats.get_ref(0))
                            .add_input(v)
                            .add_output(TensorCreateInfo({group, dim}, DataType::FLOAT32));
                        const ChipTensor oj = rt_submit_aic_task(kPv, pv).get_ref(0);

                        CoreTaskArgs up;
                        up.add_inout(m)
                            .add_inout(l)
                            .add_inout(acc)
                            .add_input(stats.get_ref(1))
                            .add_input(stats.get_ref(2))
                            .add_input(oj);
                        rt_submit_aiv_task(kUpdate, up);
                    }
                }
                CoreTaskArgs norm;
                norm.add_input(acc).add_input(l).add_output(
                    out.view({1, group, dim}, {b, g * group, 0}));
                rt_submit_aiv_task(kNormalize, norm);
            }
        }
    }
}
