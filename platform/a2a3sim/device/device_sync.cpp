#include "device_sync.h"

#include <atomic>
#include <cstdint>

namespace {
std::atomic<uint64_t> g_answers{0};
}  // namespace

void note_answer() {
    g_answers.fetch_add(1, std::memory_order_release);  // pairs with note_request's load
}

void note_request() {
    g_answers.load(std::memory_order_acquire);  // pairs with note_answer's fetch_add
}
