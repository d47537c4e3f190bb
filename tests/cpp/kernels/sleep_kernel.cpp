// Test kernel that is slow but finishes: sleeps sleep_ms, then records like
// the record kernel. args: GraphSpec*, task index.
#include <cstdint>
#include <thread>

#include "../graph_spec.h"

extern "C" void kernel_entry(int64_t* args) {
    auto* spec = reinterpret_cast<GraphSpec*>(args[0]);
    int self = static_cast<int>(args[1]);
    spec->started[self].store(1, std::memory_order_release);
    std::this_thread::sleep_for(std::chrono::milliseconds(spec->sleep_ms));
    spec->run_count[self].fetch_add(1, std::memory_order_relaxed);
    spec->done[self].store(1, std::memory_order_release);
}
