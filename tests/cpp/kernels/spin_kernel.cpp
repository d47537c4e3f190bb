// Test kernel that does not return for spin_seconds: a hung kernel, as far
// as the scheduler can tell. args: GraphSpec*, task index.
#include <chrono>
#include <cstdint>

#include "../graph_spec.h"

extern "C" void kernel_entry(int64_t* args) {
    auto* spec = reinterpret_cast<GraphSpec*>(args[0]);
    auto until = std::chrono::steady_clock::now() + std::chrono::seconds(spec->spin_seconds);
    while (std::chrono::steady_clock::now() < until) {
    }
    spec->done[args[1]].store(1, std::memory_order_release);
}
