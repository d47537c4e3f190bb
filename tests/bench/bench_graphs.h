// Graph shapes of the scheduler benchmark, shared by the benchmark driver
// and its orchestration.
#pragma once

#include <cstdint>

enum BenchShape : uint64_t {
    kIndependent = 0,  // no edges
    kChain = 1,        // 0 -> 1 -> 2 -> ...
    kLayered = 2,      // layers of 16; each task after two of the layer above
    kRandomDag = 3,    // each task after up to 3 random tasks among the 64 before it
    kFanOut = 4,       // task 0 -> every other task
    kLongKernel = 5,   // one task whose kernel computes for a second: CPU use while waiting
    kLaunch = 6,       // one no-op task: the fixed cost of a launch
    // The cluster model (tensormap_and_ringbuffer): the size counts blocks.
    kAivBlocks = 7,  // independent AIV tasks of 64 no-op blocks each
    kMixBlocks = 8,  // independent MIX tasks (AIC + AIV0 + AIV1) of 24 blocks each
};
constexpr uint64_t kShapeCount = 9;

inline const char* bench_shape_name(uint64_t shape) {
    switch (shape) {
        case kIndependent:
            return "independent";
        case kChain:
            return "chain";
        case kLayered:
            return "layered";
        case kRandomDag:
            return "random";
        case kFanOut:
            return "fanout";
        case kLongKernel:
            return "long-kernel";
        case kLaunch:
            return "launch";
        case kAivBlocks:
            return "aiv-blocks";
        case kMixBlocks:
            return "mix-blocks";
        default:
            return "?";
    }
}
