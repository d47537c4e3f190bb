// The simulator's scheduler and worker threads, kept parked between launches.
//
// Creating and joining the threads of a launch (12 by default) cost 0.5-1 ms
// on a 2-core VM, as much as running a few thousand no-op tasks. A launch
// instead borrows parked threads from a process-wide pool (creating more only
// when it needs more than ever before) and gives them back when they return.
// Threads left idle for half a minute leave the pool, so a process that
// stopped launching holds no threads.
//
// A body that does not return by the launcher's deadline (a worker stuck in a
// kernel) is abandoned: its thread leaves the pool whenever the body returns.
#pragma once

#include <sched.h>

#include <chrono>
#include <functional>
#include <memory>
#include <string>

struct SimCrewState;

// The threads one launch borrowed for its schedulers or its workers.
class SimThreadCrew {
public:
    SimThreadCrew();
    // A crew whose bodies still run when it goes (abandoned) is freed once
    // they have all returned.
    ~SimThreadCrew();
    SimThreadCrew(const SimThreadCrew&) = delete;
    SimThreadCrew& operator=(const SimThreadCrew&) = delete;
    SimThreadCrew(SimThreadCrew&& other) noexcept;
    SimThreadCrew& operator=(SimThreadCrew&& other) noexcept;

    // Runs `body` on a pool thread bound to `cpu`, or to `allowed` when cpu
    // is -1. Returns false with the reason in `error` when no thread could be
    // started. A `held` body waits on its parked thread until
    // sim_thread_pool_wake_held() (a launch hands out all its bodies, then
    // wakes their threads at once); a thread created for it starts at once.
    // `after_parked` runs on the same thread once it is back in the pool
    // (the last body of a launch answers the host from there, so that the
    // next launch finds every thread of this one parked).
    bool start(std::function<void()> body, int cpu, const cpu_set_t& allowed, std::string* error,
               bool held = false, std::function<void()> after_parked = {});

    // Waits until every body started by this crew returned.
    void wait_all();

    // Waits until every body returned or the deadline passed, giving up on
    // none; true when all returned.
    bool finished_by(std::chrono::steady_clock::time_point deadline);

    // Bodies started and not yet returned.
    int running() const;

    // Waits until every body returned or the deadline passed; returns how
    // many were still running (and are now abandoned).
    int wait_until(std::chrono::steady_clock::time_point deadline);

private:
    SimCrewState* state_;
};

// Asks for a short time slice for the calling thread (every pool thread
// has one; the device's serving thread too): see sim_thread_pool.cpp.
void sim_thread_short_slice();

// Wakes the parked threads handed held bodies.
void sim_thread_pool_wake_held();

// Threads currently parked in the pool (for tests).
int sim_thread_pool_idle_count();
