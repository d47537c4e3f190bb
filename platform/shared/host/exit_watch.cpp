#include "exit_watch.h"

#include <stdlib.h>

#include <atomic>
#include <cstdio>
#include <cstring>
#include <mutex>

namespace {

std::mutex g_mutex;
std::atomic<int> g_depth{0};
char g_what[512];  // guarded by g_mutex; the outermost open scope's code

void report_exit(int status, void*) {
    // acquire: pairs with the release in the constructor (g_what is written first).
    if (g_depth.load(std::memory_order_acquire) == 0) return;
    // exit() may come from a thread holding the lock (rare): then no name.
    std::unique_lock<std::mutex> lock(g_mutex, std::try_to_lock);
    std::fprintf(stderr,
                 "pto runtime: %s called exit(%d) while init_runtime ran it (an orchestration "
                 "fails by returning a non-zero status)\n",
                 lock.owns_lock() ? g_what : "an orchestration", status);
    std::fflush(stderr);
}

}  // namespace

OrchestrationExitWatch::OrchestrationExitWatch(const char* what) {
    static std::once_flag registered;
    std::call_once(registered, [] { on_exit(report_exit, nullptr); });
    std::lock_guard<std::mutex> lock(g_mutex);
    outermost_ = g_depth.load(std::memory_order_relaxed) == 0;
    if (outermost_) std::snprintf(g_what, sizeof g_what, "%s", what);
    // release: pairs with the acquire in report_exit.
    g_depth.fetch_add(1, std::memory_order_release);
}

OrchestrationExitWatch::~OrchestrationExitWatch() {
    std::lock_guard<std::mutex> lock(g_mutex);
    g_depth.fetch_sub(1, std::memory_order_relaxed);
}
