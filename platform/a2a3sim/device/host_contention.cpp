#include "host_contention.h"

#include "sim_thread_pool.h"

#include <pthread.h>
#include <time.h>

#include <atomic>
#include <mutex>

namespace {

std::mutex g_mutex;
cpu_set_t g_allowed;  // guarded by g_mutex
bool g_have_allowed = false;
bool g_unpin_allowed = true;  // guarded by g_mutex
std::atomic<uint64_t> g_reported_ns{0};  // when a waiter last reported contention

uint64_t monotonic_ns() {
    timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000ull + static_cast<uint64_t>(ts.tv_nsec);
}

}  // namespace

void host_contention_set_allowed(const cpu_set_t& allowed, bool unpin_allowed) {
    std::lock_guard<std::mutex> lock(g_mutex);
    g_allowed = allowed;
    g_have_allowed = true;
    g_unpin_allowed = unpin_allowed;
}

bool host_contention_recent(uint64_t window_ns) {
    const uint64_t at = g_reported_ns.load(std::memory_order_relaxed);
    return at != 0 && monotonic_ns() - at < window_ns;
}

extern "C" __attribute__((visibility("default"))) void pto_sim_contended() {
    g_reported_ns.store(monotonic_ns(), std::memory_order_relaxed);
    cpu_set_t allowed;
    {
        std::lock_guard<std::mutex> lock(g_mutex);
        if (!g_have_allowed || !g_unpin_allowed) return;
        allowed = g_allowed;
    }
    pthread_setaffinity_np(pthread_self(), sizeof allowed, &allowed);
    sim_thread_pool_binding_changed();
}
