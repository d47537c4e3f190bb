// When a simulated scheduler thread runs the units it dispatches itself
// (unit_here.h), and the device program's runner that does it.
//
// It starts when this object's waiters found the host contended (a yield
// that came back late while the process got less than a core). Once a
// thread runs units it no longer waits, so it judges itself: a thread that
// runs units back to back is runnable all the time, and when it got less
// than kFairSharePercent of a window's wall time on a CPU, other processes
// hold the cores. A window that ends otherwise, or a wait, hands the
// decision back to the waiters.
#include "unit_here.h"

#include <time.h>

#include <atomic>

#include "export.h"
#include "sim_idle_tuning.h"
#include "time_source.h"

using SimUnitRunner = void (*)(int worker_id, uint64_t budget_ns, UnitHereTimeout on_timeout,
                               void* context);

namespace {

constexpr uint64_t kWindowNs = 10'000'000;
constexpr uint64_t kFairSharePercent = 75;
constexpr uint32_t kPassesPerLook = 64;

// Set by the device program before a launch's threads start (the thread
// start orders it before any scheduler's load).
std::atomic<SimUnitRunner> g_runner{nullptr};

uint64_t thread_cpu_ns() {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000ull + static_cast<uint64_t>(ts.tv_nsec);
}

bool start_window(UnitHereWatch* watch, uint64_t now) {
    watch->window_wall_ns = now;
    watch->window_cpu_ns = thread_cpu_ns();
    watch->here = true;
    return true;
}

}  // namespace

extern "C" PTO_EXPORT void sim_aicpu_set_unit_runner(SimUnitRunner runner) {
    g_runner.store(runner, std::memory_order_relaxed);
}

bool pto_unit_here_wanted(UnitHereWatch* watch) {
    const SimRunHere mode = sim_run_here_mode();
    if (mode == SimRunHere::kNever || g_runner.load(std::memory_order_relaxed) == nullptr) {
        return watch->here = false;
    }
    if (mode == SimRunHere::kAlways) return watch->here = true;
    if (!watch->here) {
        // Contention comes and goes over tens of milliseconds: looking at
        // it (a clock read) once per kPassesPerLook passes keeps an idle
        // host's passes free of it.
        if (watch->passes++ % kPassesPerLook != 0 || !sim_idle_contended()) return false;
        return start_window(watch, pto_now_ns());
    }
    if (watch->window_wall_ns == 0) {  // after a wait: the waiters' verdict
        if (!sim_idle_contended()) return watch->here = false;
        return start_window(watch, pto_now_ns());
    }
    const uint64_t now = pto_now_ns();
    const uint64_t wall = now - watch->window_wall_ns;
    if (wall < kWindowNs) return true;
    const uint64_t cpu = thread_cpu_ns() - watch->window_cpu_ns;
    if (cpu * 100 < wall * kFairSharePercent) return start_window(watch, now);
    watch->window_wall_ns = 0;
    return watch->here = false;
}

void pto_unit_here_paused(UnitHereWatch* watch) { watch->window_wall_ns = 0; }

void pto_run_unit_here(int worker_id, uint64_t budget_ns, UnitHereTimeout on_timeout,
                       void* context) {
    g_runner.load(std::memory_order_relaxed)(worker_id, budget_ns, on_timeout, context);
}
