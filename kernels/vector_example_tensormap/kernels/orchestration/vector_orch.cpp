// f = (a + b + 1) * (a + b + 2), in row blocks. Each block is computed in a
// scope of its own: its intermediates (c, d, e) come from the ring heap and
// are reclaimed when the block's scope has ended and its tasks are done, so
// any number of blocks streams through rings of fixed size. No edge is
// stated: add -> add_scalar -> mul follow from the tensors each task reads
// and writes.
#include "pto_orchestration_api.h"

namespace {
constexpr int kAdd = 0, kAddScalar = 1, kMul = 2;
}

extern "C" PTO2OrchestrationConfig aicpu_orchestration_config(const ChipTaskArgs&) {
    return PTO2OrchestrationConfig{.expected_arg_count = 4};  // a, b, f, rows per block
}

extern "C" void aicpu_orchestration_entry(const ChipTaskArgs& args) {
    const ChipTensor& a = args.tensor(0).ref();
    const ChipTensor& b = args.tensor(1).ref();
    const ChipTensor& f = args.tensor(2).ref();
    const uint64_t block_rows = args.scalar(0);
    const uint64_t rows = f.shapes[0], cols = f.shapes[1];
    if (block_rows == 0) {
        rt_report_fatal(1, "rows per block must be at least 1");
        return;
    }
    LOG_DEBUG("%llu x %llu in blocks of %llu rows", (unsigned long long)rows,
              (unsigned long long)cols, (unsigned long long)block_rows);
    for (uint64_t r0 = 0; r0 < rows; r0 += block_rows) {
        uint64_t n = rows - r0 < block_rows ? rows - r0 : block_rows;
        const uint64_t shape[2] = {n, cols};
        const uint64_t at[2] = {r0, 0};
        PTO2_SCOPE() {
            TensorCreateInfo tile(shape, 2, DataType::FLOAT32);
            CoreTaskArgs add;
            add.add_input(a.view(shape, at)).add_input(b.view(shape, at)).add_output(tile);
            const ChipTensor c = rt_submit_aiv_task(kAdd, add).get_ref(0);

            CoreTaskArgs plus1, plus2;
            plus1.add_input(c).add_output(tile).add_scalar(1.0f);
            plus2.add_input(c).add_output(tile).add_scalar(2.0f);
            const ChipTensor d = rt_submit_aiv_task(kAddScalar, plus1).get_ref(0);
            const ChipTensor e = rt_submit_aiv_task(kAddScalar, plus2).get_ref(0);

            CoreTaskArgs mul;
            mul.add_input(d).add_input(e).add_output(f.view(shape, at));
            rt_submit_aiv_task(kMul, mul);
        }
    }
}
