#include "sim_thread_pool.h"

#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <cstdlib>

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <system_error>
#include <thread>
#include <vector>

#include "sched_attr.h"

// What one crew's bodies report to its launcher. Pool threads reach it
// through a plain pointer, and their last touch is inside `mutex` (counting
// themselves finished): the crew is freed only by whoever then sees every
// body finished under that mutex, so the mutex alone orders the two.
struct SimCrewState {
    std::mutex mutex;
    std::condition_variable changed;
    int started = 0;
    int finished = 0;
    bool abandoned = false;  // bodies finishing from now on were given up on
};

namespace {

// How long a parked thread waits for another launch before leaving the pool.
constexpr auto kIdleLifetime = std::chrono::seconds(30);

struct PoolThread {
    std::function<void()> body;
    std::function<void()> after_parked;
    SimCrewState* crew = nullptr;  // set while the thread has a body to run
    cpu_set_t want;                // where the body should run
    cpu_set_t bound;               // where the thread is bound now
};

struct Pool {
    std::mutex mutex;
    std::vector<PoolThread*> idle;
    // Parked threads wait here for a body (PoolThread::crew set). One
    // notify_all wakes every thread a launch handed a body: a launch of 12
    // threads makes one system call for them, not 12.
    std::condition_variable assigned;
    // Threads of the parent after a fork: they do not exist in the child, and
    // their records are kept only so nothing reads as leaked.
    std::vector<PoolThread*> lost_in_fork;
    // Crews whose launcher went away while bodies still ran (abandoned),
    // freed once those have all reported.
    std::mutex retired_mutex;
    std::vector<SimCrewState*> retired;
};

Pool& pool() {
    // Never destroyed: parked threads may still wake (to time out) while the
    // process exits and its static objects are being torn down.
    static Pool* instance = [] {
        auto* p = new Pool;
        pthread_atfork([] { pool().mutex.lock(); }, [] { pool().mutex.unlock(); },
                       [] {
                           Pool& q = pool();
                           q.lost_in_fork.insert(q.lost_in_fork.end(), q.idle.begin(),
                                                 q.idle.end());
                           q.idle.clear();
                           q.mutex.unlock();
                       });
        return p;
    }();
    return *instance;
}

bool all_finished(SimCrewState* crew) {
    std::lock_guard<std::mutex> lock(crew->mutex);
    return crew->finished == crew->started;
}

// Frees the retired crews whose bodies have all reported.
void sweep_retired(Pool& p) {
    std::lock_guard<std::mutex> lock(p.retired_mutex);
    auto done = std::partition(p.retired.begin(), p.retired.end(),
                               [](SimCrewState* c) { return !all_finished(c); });
    for (auto it = done; it != p.retired.end(); ++it) delete *it;
    p.retired.erase(done, p.retired.end());
}

void bind(PoolThread* t) {
    if (CPU_EQUAL(&t->want, &t->bound)) return;
    // Placement only makes runs faster and steadier; a refused binding
    // (a CPU taken away meanwhile) leaves the thread where it is.
    if (pthread_setaffinity_np(pthread_self(), sizeof t->want, &t->want) == 0) t->bound = t->want;
}

// Every pool thread has a stack for signal handlers: a fault that overflowed
// its stack (an orchestration's deep recursion, say) can still be reported
// (device_last_words.h). The AICore executor sets its own on worker threads.
struct AltStack {
    static constexpr size_t kBytes = 64 * 1024;
    void* memory = std::malloc(kBytes);
    AltStack() {
        if (memory == nullptr) return;
        stack_t st{};
        st.ss_sp = memory;
        st.ss_size = kBytes;
        sigaltstack(&st, nullptr);
    }
    ~AltStack() {
        stack_t current{};
        if (sigaltstack(nullptr, &current) == 0 && current.ss_sp == memory) {
            stack_t off{};
            off.ss_flags = SS_DISABLE;
            sigaltstack(&off, nullptr);
        }
        std::free(memory);
    }
    AltStack(const AltStack&) = delete;
    AltStack& operator=(const AltStack&) = delete;
};

}  // namespace

void sim_thread_short_slice() {
    SchedAttr a{};
    a.sched_policy = SCHED_OTHER;
    a.sched_runtime = kSimThreadSliceNs;
    sched_attr_set(a);
}

namespace {

void thread_main(PoolThread* t) {
    sim_thread_short_slice();
    AltStack alt_stack;
    Pool& p = pool();
    for (;;) {
        bind(t);
        t->body();
        t->body = nullptr;  // release what the body captured before reporting
        std::function<void()> after = std::move(t->after_parked);
        t->after_parked = nullptr;
        SimCrewState* crew = t->crew;
        t->crew = nullptr;
        bool parked = false;
        {
            // Back in the pool before the launcher hears of it, so that its
            // next launch finds the thread parked instead of creating one.
            std::lock_guard<std::mutex> crew_lock(crew->mutex);
            if (!crew->abandoned) {
                std::lock_guard<std::mutex> pool_lock(p.mutex);
                p.idle.push_back(t);
                parked = true;
            }
            // Waiters wait for all bodies: only the last wakes them. The
            // crew is not touched after this lock is released.
            if (++crew->finished == crew->started) crew->changed.notify_all();
        }
        // Back in the pool already: whatever `after` sets off (the next
        // launch) finds this thread parked.
        if (after) after();
        if (!parked) {
            delete t;
            return;
        }
        std::unique_lock<std::mutex> lock(p.mutex);
        if (!p.assigned.wait_for(lock, kIdleLifetime, [t] { return t->crew != nullptr; })) {
            p.idle.erase(std::find(p.idle.begin(), p.idle.end(), t));
            lock.unlock();
            delete t;
            return;
        }
    }
}

}  // namespace

SimThreadCrew::SimThreadCrew() : state_(new SimCrewState) {
    sweep_retired(pool());
}

SimThreadCrew::~SimThreadCrew() {
    if (state_ == nullptr) return;
    if (all_finished(state_)) {
        delete state_;
        return;
    }
    Pool& p = pool();
    std::lock_guard<std::mutex> lock(p.retired_mutex);
    p.retired.push_back(state_);
}

SimThreadCrew::SimThreadCrew(SimThreadCrew&& other) noexcept : state_(other.state_) {
    other.state_ = nullptr;
}

SimThreadCrew& SimThreadCrew::operator=(SimThreadCrew&& other) noexcept {
    if (this != &other) {
        SimThreadCrew old(std::move(*this));
        state_ = other.state_;
        other.state_ = nullptr;
    }
    return *this;
}

bool SimThreadCrew::start(std::function<void()> body, int cpu, const cpu_set_t& allowed,
                          std::string* error, bool held, std::function<void()> after_parked) {
    cpu_set_t want;
    if (cpu >= 0) {
        CPU_ZERO(&want);
        CPU_SET(cpu, &want);
    } else {
        want = allowed;
    }
    {
        std::lock_guard<std::mutex> lock(state_->mutex);
        ++state_->started;
    }
    Pool& p = pool();
    PoolThread* parked = nullptr;
    {
        std::lock_guard<std::mutex> lock(p.mutex);
        if (!p.idle.empty()) {
            // A thread already bound where the body should run spares a
            // rebinding (a system call, and a move between cores).
            auto it = std::find_if(p.idle.rbegin(), p.idle.rend(),
                                   [&want](PoolThread* t) { return CPU_EQUAL(&t->bound, &want); });
            auto chosen = it != p.idle.rend() ? std::prev(it.base()) : std::prev(p.idle.end());
            parked = *chosen;
            p.idle.erase(chosen);
            parked->body = std::move(body);
            parked->after_parked = std::move(after_parked);
            parked->want = want;
            parked->crew = state_;
        }
    }
    if (parked != nullptr) {
        // Outside the lock: the thread wakes into a free mutex.
        if (!held) p.assigned.notify_all();
        return true;
    }
    auto* t = new PoolThread;
    t->body = std::move(body);
    t->after_parked = std::move(after_parked);
    t->want = want;
    t->crew = state_;
    // A new thread starts with its creator's binding.
    CPU_ZERO(&t->bound);
    if (pthread_getaffinity_np(pthread_self(), sizeof t->bound, &t->bound) != 0)
        CPU_ZERO(&t->bound);
    try {
        std::thread(thread_main, t).detach();
    } catch (const std::system_error& e) {
        delete t;
        std::lock_guard<std::mutex> lock(state_->mutex);
        --state_->started;
        *error = e.what();
        return false;
    }
    return true;
}

void SimThreadCrew::wait_all() {
    std::unique_lock<std::mutex> lock(state_->mutex);
    state_->changed.wait(lock, [this] { return state_->finished == state_->started; });
}

bool SimThreadCrew::finished_by(std::chrono::steady_clock::time_point deadline) {
    std::unique_lock<std::mutex> lock(state_->mutex);
    return state_->changed.wait_until(lock, deadline,
                                      [this] { return state_->finished == state_->started; });
}

int SimThreadCrew::running() const {
    std::lock_guard<std::mutex> lock(state_->mutex);
    return state_->started - state_->finished;
}

int SimThreadCrew::wait_until(std::chrono::steady_clock::time_point deadline) {
    std::unique_lock<std::mutex> lock(state_->mutex);
    state_->changed.wait_until(lock, deadline,
                               [this] { return state_->finished == state_->started; });
    int running = state_->started - state_->finished;
    if (running > 0) state_->abandoned = true;
    return running;
}

void sim_thread_pool_wake_held() {
    pool().assigned.notify_all();
}

int sim_thread_pool_idle_count() {
    Pool& p = pool();
    std::lock_guard<std::mutex> lock(p.mutex);
    return static_cast<int>(p.idle.size());
}
