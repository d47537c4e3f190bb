// Test kernel that does not return for spin_seconds: a hung kernel, as far
// as the scheduler can tell. When it does return it writes the device
// memory its orchestration allocated, as a late kernel writes its output.
// args: GraphSpec*, task index.
#include <chrono>
#include <cstdint>

#include "../graph_spec.h"

extern "C" void kernel_entry(int64_t* args) {
    auto* spec = reinterpret_cast<GraphSpec*>(args[0]);
    auto until = std::chrono::steady_clock::now() + std::chrono::seconds(spec->spin_seconds);
    while (std::chrono::steady_clock::now() < until) {
    }
    if (spec->device_out != nullptr) *static_cast<volatile uint64_t*>(spec->device_out) = 1;
    spec->done[args[1]].store(1, std::memory_order_release);
}
