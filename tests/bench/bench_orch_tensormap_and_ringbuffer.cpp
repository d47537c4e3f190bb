// Benchmark orchestration for tensormap_and_ringbuffer: the shapes of
// bench_orch.cpp, expressed as tensor accesses so that discovery finds the
// edges (and its cost is measured with the rest). Scalars: shape, task
// count, seed. Tasks run the no-op kernel (func_id 0); core types follow the
// 1 AIC : 2 AIV worker mix. Tasks are submitted in scopes of kChunk so that
// any count streams through the default rings.
//
//   independent  each task writes a tensor of its own (runtime-allocated)
//   chain        every task updates one tensor in place (INOUT)
//   layered      layers of 16 over two banks of 16 tensors: task j of layer
//                L reads slots j and j+1 of the bank layer L-1 wrote and
//                writes slot j of the other bank (reusing the banks adds
//                the write-after-read/write edges that reuse implies)
//   random       65 slot tensors: task i reads up to 3 slots written by the
//                64 tasks before it and writes slot i % 65
//   fanout       task 0 writes a tensor every other task reads
//   aiv-blocks   AIV tasks of 64 blocks, no edges (n counts blocks)
//   mix-blocks   MIX tasks of 24 blocks on AIC + AIV0 + AIV1, no edges
#include "bench_graphs.h"
#include "pto_orchestration_api.h"

namespace {

constexpr uint64_t kChunk = 1024;
constexpr uint64_t kWidth = 16;
constexpr uint64_t kSlots = 65;

int32_t core_of(uint64_t i) {
    return i % 3 == 0 ? 0 : 1;
}

TaskOutputTensors submit(uint64_t i, const CoreTaskArgs& args) {
    return core_of(i) == 0 ? rt_submit_aic_task(0, args) : rt_submit_aiv_task(0, args);
}

// `count` tensors of 16 floats from the current scope (at most 32 per call).
void alloc_slots(ChipTensor* out, uint64_t count) {
    const TensorCreateInfo cell({16}, DataType::FLOAT32);
    TensorCreateInfo infos[32];
    for (uint64_t at = 0; at < count; at += 32) {
        uint64_t n = count - at < 32 ? count - at : 32;
        for (uint64_t k = 0; k < n; ++k) infos[k] = cell;
        TaskOutputTensors t = alloc_tensors(infos, static_cast<int>(n));
        for (uint64_t k = 0; k < n; ++k) out[at + k] = t.get_ref(static_cast<int>(k));
    }
}

}  // namespace

extern "C" PTO2OrchestrationConfig aicpu_orchestration_config(const ChipTaskArgs&) {
    return PTO2OrchestrationConfig{.expected_arg_count = 3};
}

extern "C" void build_bench_graph(const ChipTaskArgs& args) {
    const uint64_t shape = args.scalar(0);
    const uint64_t n = args.scalar(1);
    uint64_t state = args.scalar(2) | 1;
    auto next = [&state] {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        return state;
    };
    if (shape == kLaunch) {
        rt_submit_aiv_task(0, CoreTaskArgs());
        return;
    }
    if (shape == kLongKernel) {
        CoreTaskArgs busy;
        busy.add_scalar(uint64_t{1000});  // ms
        rt_submit_aiv_task(1, busy);
        return;
    }
    if (shape == kAivBlocks || shape == kMixBlocks) {
        const int32_t per = shape == kAivBlocks ? 64 : 24;
        MixedKernels mk;
        mk.aiv0_kernel_id = 0;
        if (shape == kMixBlocks) mk.aic_kernel_id = mk.aiv1_kernel_id = 0;
        for (uint64_t done = 0; done < n; done += per) {
            PTO2_SCOPE() {
                CoreTaskArgs a;
                a.launch_spec.set_block_num(n - done < static_cast<uint64_t>(per)
                                                ? static_cast<int32_t>(n - done)
                                                : per);
                rt_submit_task(mk, a);
            }
        }
        return;
    }
    const TensorCreateInfo cell({16}, DataType::FLOAT32);
    ChipTensor slots[kSlots];
    alloc_slots(slots, shape == kLayered ? 2 * kWidth : kSlots);
    for (uint64_t chunk = 0; chunk < n; chunk += kChunk) {
        PTO2_SCOPE() {
            const uint64_t end = n - chunk < kChunk ? n : chunk + kChunk;
            for (uint64_t i = chunk; i < end; ++i) {
                CoreTaskArgs a;
                switch (shape) {
                    case kChain:
                        a.add_inout(slots[0]);
                        break;
                    case kLayered: {
                        const uint64_t layer = i / kWidth, j = i % kWidth;
                        const ChipTensor* write = &slots[(layer % 2) * kWidth];
                        const ChipTensor* read = &slots[((layer + 1) % 2) * kWidth];
                        if (layer > 0) a.add_input(read[j]).add_input(read[(j + 1) % kWidth]);
                        a.add_output(write[j]);
                        break;
                    }
                    case kRandomDag: {
                        const uint64_t preds = i == 0 ? 0 : next() % 4;
                        const uint64_t window = i < 64 ? i : 64;
                        for (uint64_t p = 0; p < preds; ++p)
                            a.add_input(slots[(i - 1 - next() % window) % kSlots]);
                        a.add_output(slots[i % kSlots]);
                        break;
                    }
                    case kFanOut:
                        if (i == 0) {
                            a.add_output(slots[0]);
                        } else {
                            a.add_input(slots[0]).add_output(cell);
                        }
                        break;
                    default:  // kIndependent
                        a.add_output(cell);
                        break;
                }
                submit(i, a);
            }
        }
    }
}
