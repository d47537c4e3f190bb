// Benchmark orchestration: args = [shape, task count, seed]. Tasks run the
// no-op kernel (func_id 0); core types follow the 1 AIC : 2 AIV worker mix.
#include <cstdint>

#include "bench_graphs.h"
#include "runtime.h"

extern "C" int build_bench_graph(Runtime* rt, uint64_t* args, int arg_count) {
    if (arg_count != 3) return -1;
    const uint64_t shape = args[0];
    const int n = static_cast<int>(args[1]);
    uint64_t state = args[2] | 1;
    auto next = [&state] {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        return state;
    };
    if (shape == kLaunch) return rt->add_task(nullptr, 0, 0, CoreType::AIV) == 0 ? 0 : -2;
    if (shape == kLongKernel) {
        uint64_t ms[1] = {1000};
        return rt->add_task(ms, 1, 1, CoreType::AIV) == 0 ? 0 : -2;
    }
    for (int i = 0; i < n; ++i) {
        if (rt->add_task(nullptr, 0, 0, i % 3 == 0 ? CoreType::AIC : CoreType::AIV) != i) return -2;
    }
    // Edge failures (limits) are reported by init_runtime itself.
    constexpr int kWidth = 16;
    for (int i = 1; i < n; ++i) {
        switch (shape) {
            case kChain:
                rt->add_successor(i - 1, i);
                break;
            case kLayered:
                if (i >= kWidth) {
                    int layer_start = (i / kWidth - 1) * kWidth;
                    rt->add_successor(layer_start + i % kWidth, i);
                    rt->add_successor(layer_start + (i + 1) % kWidth, i);
                }
                break;
            case kRandomDag: {
                int preds = static_cast<int>(next() % 4);
                int window = i < 64 ? i : 64;
                for (int p = 0; p < preds; ++p)
                    rt->add_successor(i - 1 - static_cast<int>(next() % window), i);
                break;
            }
            case kFanOut:
                rt->add_successor(0, i);
                break;
            default:
                break;
        }
    }
    return 0;
}
