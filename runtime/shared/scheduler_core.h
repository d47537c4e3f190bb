// The scheduling core every runtime of this tree runs on: one AICPU
// scheduler thread and its slice of AICore workers. It starts core
// discovery and takes each worker into service once it answered, hands
// ready work to idle workers through their mailboxes (handshake.h), finds
// finished work by reading only the workers' lines, stops the run on a
// kernel fault, a wrong core or a stall, and waits sample -> check -> wait
// on its doorbell when there is nothing to do.
//
// What differs between runtimes is a policy type, called statically:
//   bool may_dispatch()                       false while nothing may run yet
//   void dispatch_pass(SchedulerCore&, PassResult&)
//                                             hands ready work to the idle
//                                             workers (dispatch_singles() is
//                                             one kernel per core; a policy
//                                             may place work on whole
//                                             clusters, hold workers for a
//                                             cohort, retire work that runs
//                                             no kernel, counted in the result)
//   bool pop_ready(CoreType, uint64_t* token) the next ready work of a type
//                                             (what dispatch_singles() takes)
//   DispatchWords prepare_dispatch(const Dispatch&)
//                                             records the dispatch; the words
//                                             the worker's mailbox gets
//   int complete(const Completion&, uint64_t now, bool* task_done)
//                                             what finishing one unit releases;
//                                             returns how many tasks became
//                                             ready; *task_done when the unit
//                                             was its task's last
//   uint64_t add_completed(uint64_t n)        counts completions; the total
//   bool all_done(uint64_t completed)         the run is over
//   bool outstanding(uint64_t completed)      work is submitted and not done,
//                                             or more may come (only then can
//                                             the run stall)
//   uint64_t progress_mark(uint64_t completed)
//                                             changes whenever the run moves
//                                             (a completion; a submit, where
//                                             tasks arrive during the run)
//   uint64_t timeout_ns()                     the no-progress bound
//   LaunchStopFields stop_fields()            where the launch's stop lives
//   void ring_all()                           every thread that may wait
//   void ring_others(int self)                every other scheduler
//   void after_pass(SchedulerCore&, const PassResult&)
//                                             who to wake for what is left
//   bool arm(int self, uint64_t idle_types) / void disarm(int self)
//                                             announce idleness before the
//                                             last look (arm: true when the
//                                             policy wants that last look);
//                                             idle_types: bit per core type
//                                             with an idle worker, bit 2 when
//                                             a whole cluster is idle
// A dispatch hands one worker one unit of work named by a 64-bit token; the
// policy decides what the token means (a task, one kernel of one block of a
// task). The run's completed count counts tasks, not units.
#pragma once

#include <atomic>
#include <cstdint>

#include "core_type.h"
#include "device_log.h"
#include "handshake.h"
#include "event_count.h"
#include "launch_stop.h"
#include "platform_limits.h"
#include "pto_status.h"
#include "scheduler_slice.h"
#include "time_source.h"
#include "unit_here.h"

// What the core tells a policy about a dispatch it is about to make.
struct Dispatch {
    int worker;
    int scheduler;  // this thread's index
    uint64_t token;
    uint64_t dispatch_ns;
    // The worker's dispatch slot it goes in (0 or 1): words a policy keeps
    // per worker need one copy per slot, the next unit's written while the
    // worker runs the current one.
    int slot;
};

// What the worker's mailbox gets: the task word (task id + 1 as the
// runtime numbers it, for diagnostics), the kernel's entry, its arguments
// and how many bytes from there the kernel reads (handshake.h, step 2).
struct DispatchWords {
    uint64_t task;
    uint64_t kernel;
    uint64_t args;
    uint32_t args_bytes;
};

// A unit of work a worker finished.
struct Completion {
    uint64_t token;
    int worker;
    int scheduler;
    uint64_t dispatch_ns, start_ns, end_ns;
};

// What one pass over the workers found.
struct PassResult {
    int status = 0;          // < 0: the run failed and was stopped
    bool done = false;       // the run is over
    bool progress = false;   // anything moved
    uint64_t finished = 0;   // tasks completed this pass
    uint64_t released = 0;   // tasks those completions made ready
    uint64_t idle[2] = {0, 0};        // per core type: workers left without work
    bool idle_cluster = false;        // a whole cluster of this thread's is idle
    uint64_t dispatched[2] = {0, 0};  // per core type
};

// Tracks how long the run has gone without a completion, from this thread's
// point of view, reading the clock only when a pass found nothing to do.
class StallWatch {
public:
    StallWatch() : since_ns_(pto_now_ns()) {}

    // True once the run's progress mark stood still for `timeout_ns` while
    // work was outstanding; *idle_ns says for how long.
    bool expired(uint64_t mark, bool outstanding, uint64_t timeout_ns, uint64_t* idle_ns) {
        uint64_t now = pto_now_ns();
        if (mark != seen_ || !outstanding) {
            // Nothing outstanding (every task done, none to come) is not a
            // stall; the bound counts from when work is waiting again.
            seen_ = mark;
            since_ns_ = now;
            return false;
        }
        *idle_ns = now - since_ns_;
        return *idle_ns > timeout_ns;
    }
    uint64_t remaining_ns(uint64_t timeout_ns) const {
        uint64_t idle = pto_now_ns() - since_ns_;
        return idle >= timeout_ns ? 0 : timeout_ns - idle;
    }

private:
    uint64_t seen_ = ~0ull;
    uint64_t since_ns_;
};

template <typename Policy>
class SchedulerCore {
public:
    // Longest single park; the timeout is re-checked at least this often.
    static constexpr uint64_t kMaxParkNs = 50'000'000;

    SchedulerCore(Policy& policy, const SchedulerSlice& slice, Handshake* mailboxes,
                  int block_dim, EventCount& bell)
        : p_(policy), slice_(slice), mailboxes_(mailboxes), block_dim_(block_dim), bell_(bell) {}

    int thread_index() const { return slice_.thread_index; }
    const SchedulerSlice& slice() const { return slice_; }
    int block_dim() const { return block_dim_; }
    CoreType type_of(int w) const { return w < block_dim_ ? CoreType::AIC : CoreType::AIV; }
    // Cluster c's cores: slot 0 its AIC, slots 1 and 2 its AIV lanes 0 and 1.
    int worker_of(int cluster, int slot) const {
        return slot == 0 ? cluster : block_dim_ + PLATFORM_AIV_PER_BLOCK * cluster + (slot - 1);
    }
    // Free for work: answered discovery, running nothing, held for nobody.
    bool has_idle_worker(int w) const {
        const Worker& o = workers_[w];
        return o.answered && o.seq == o.done && !o.held;
    }
    // Which of cluster c's cores (bit per slot) are free for work.
    uint32_t idle_slots(int cluster) const {
        uint32_t m = 0;
        for (int slot = 0; slot < PLATFORM_CORES_PER_BLOCK; ++slot) {
            if (has_idle_worker(worker_of(cluster, slot))) m |= 1u << slot;
        }
        return m;
    }
    // A busy worker whose next unit can be queued behind its current one:
    // one unit outstanding, its second dispatch slot free (handshake.h).
    bool can_queue(int w) const {
        const Worker& o = workers_[w];
        return o.answered && o.seq - o.done == 1 && !o.held;
    }
    // A worker held for work that starts later (a cohort gathering its
    // cores) stays idle but takes nothing else.
    void hold(int w) { workers_[w].held = true; }
    void unhold(int w) { workers_[w].held = false; }
    bool held(int w) const { return workers_[w].held; }

    // Core discovery: tells every worker of the slice to start; a pass takes
    // each into service once it answered.
    void start_discovery() {
        slice_.for_each_worker([&](int w) {
            SchedulerLine& s = mailboxes_[w].sched;
            s.owner_thread.store(slice_.thread_index, std::memory_order_relaxed);
            // Publishes owner_thread; pairs with the worker's acquire load of aicpu_ready.
            s.aicpu_ready.store(1, std::memory_order_release);
            pto_notify(&s.bell);
        });
    }

    void stop_workers() {
        slice_.for_each_worker([&](int w) {
            SchedulerLine& s = mailboxes_[w].sched;
            // Pairs with the worker's acquire load of control in its wait loop.
            s.control.store(1, std::memory_order_release);
            pto_notify(&s.bell);
        });
    }

    void stop_run(int status, uint64_t stall_ns) {
        stop_launch(p_.stop_fields(), status, stall_ns);
        p_.ring_all();
    }

    // Hands worker `w` (idle, or one that can_queue) the unit of work
    // `token`: an idle worker starts it now, a busy one as soon as it
    // finishes what it runs (it finds it in its mailbox, with no hand-off).
    void dispatch(int w, uint64_t token) { dispatch_to(w, token, false); }

    // Hands ready work to this thread's idle workers, one unit per worker
    // from pop_ready; true if any was handed. Such a unit needs no other
    // core at the same time, so on the simulator this thread may run it
    // itself (unit_here.h).
    bool dispatch_singles() {
        bool any = false;
        bool empty[2] = {false, false};
        const bool here = pto_unit_here_wanted(&here_);
        std::atomic<int32_t>& stopped = p_.stop_fields().status;
        auto hand_out = [&](auto eligible, bool run_here) {
            slice_.for_each_worker([&](int w) {
                const int type = static_cast<int>(type_of(w));
                if (empty[type] || !eligible(w)) return;
                // A unit run here takes a while: none once the run stopped.
                if (run_here && stopped.load(std::memory_order_relaxed) != 0) return;
                uint64_t token;
                if (p_.pop_ready(type_of(w), &token)) {
                    dispatch_to(w, token, run_here);
                    any = true;
                } else {
                    empty[type] = true;
                }
            });
        };
        hand_out([&](int w) { return has_idle_worker(w); }, here);
        // Work left over queues behind the running units (the second slot),
        // so a worker starts its next unit without waiting for this thread.
        // Units this thread runs itself are done already.
        if (!here) hand_out([&](int w) { return can_queue(w); }, false);
        return any;
    }

    // The thread waits next (outside run(): an orchestrator that steps this
    // core while it waits for room).
    void about_to_wait() { pto_unit_here_paused(&here_); }

    // One pass over this thread's workers: answers taken, completions
    // collected, ready work dispatched; then the run's counters and the
    // policy's wake-ups. The orchestrator of a one-thread launch calls it
    // wherever it would wait.
    PassResult step() {
        PassResult r;
        dispatched_[0] = dispatched_[1] = 0;
        int faulted = -1, bad_worker = 0;
        uint64_t now = 0;  // read once per pass, only if something completed
        slice_.for_each_worker([&](int w) {
            if (faulted >= 0 || bad_worker != 0) return;
            Worker& o = workers_[w];
            if (!o.answered) {
                int answer = check_answer(w);
                if (answer < 0) bad_worker = answer;
                if (answer <= 0) return;
                r.progress = true;
            }
            if (o.seq == o.done) return;  // idle
            const WorkerLine& k = mailboxes_[w].work;
            // Pairs with the worker's release store of done_seq: its stamps
            // and fault fields are visible once it moved.
            const uint32_t done = k.done_seq.load(std::memory_order_acquire);
            if (done == o.done) return;  // busy
            if (!unit_reached(o.seq, done) || !unit_reached(done, o.done + 1)) {
                DEV_ERROR("worker %d reported unit %u done; units %u..%u were outstanding", w,
                          done, o.done + 1, o.seq);
                bad_worker = PTO_ERR_SCHEDULER;
                return;
            }
            if (k.fault_signal.load(std::memory_order_relaxed) != 0) {
                faulted = w;  // the host reads the mailbox to report it
                return;
            }
            if (now == 0) now = pto_now_ns();
            // One or both outstanding units, in order.
            while (o.done != done) {
                const uint32_t u = o.done + 1;
                const Completion c{o.token[u & 1] - 1,
                                   w,
                                   slice_.thread_index,
                                   o.dispatch_ns[u & 1],
                                   k.start_time[u & 1].load(std::memory_order_relaxed),
                                   k.end_time[u & 1].load(std::memory_order_relaxed)};
                o.token[u & 1] = 0;
                o.done = u;
                bool task_done = false;
                r.released += static_cast<uint64_t>(p_.complete(c, now, &task_done));
                if (task_done) ++r.finished;
            }
            r.progress = true;
        });
        if (faulted < 0 && bad_worker == 0 && p_.may_dispatch()) {
            p_.dispatch_pass(*this, r);
            r.dispatched[0] = dispatched_[0];
            r.dispatched[1] = dispatched_[1];
            if (dispatched_[0] + dispatched_[1] > 0) r.progress = true;
        }
        slice_.for_each_worker([&](int w) {
            if (has_idle_worker(w)) ++r.idle[static_cast<int>(type_of(w))];
        });
        if (r.idle[0] > 0 && r.idle[1] > 1) {
            for (int c = slice_.cluster_begin; c < slice_.cluster_end && !r.idle_cluster; ++c) {
                r.idle_cluster = idle_slots(c) == (1u << PLATFORM_CORES_PER_BLOCK) - 1;
            }
        }
        if (faulted >= 0) {
            stop_run(PTO_ERR_KERNEL_FAULT, 0);
            r.status = PTO_ERR_KERNEL_FAULT;
            return r;
        }
        if (bad_worker != 0) {
            stop_run(bad_worker, 0);
            r.status = bad_worker;
            return r;
        }
        const uint64_t completed = p_.add_completed(r.finished);
        if (p_.all_done(completed)) {
            p_.ring_others(slice_.thread_index);
            r.done = true;
            return r;
        }
        p_.after_pass(*this, r);
        return r;
    }

    // The thread's loop until the run is over or stopped: 0, or the status
    // this thread stopped the run with.
    int run(WaiterRole role = WaiterRole::kScheduler) {
        IdleBackoff backoff(role);
        StallWatch watch;
        std::atomic<int32_t>& stopped = p_.stop_fields().status;
        for (;;) {
            // Sample the doorbell before looking: a change after this point
            // rings it, so the wait below cannot sleep through it, a stop
            // included.
            const WaitKey key = bell_.prepare_wait();
            if (stopped.load(std::memory_order_acquire) != 0) return 0;
            PassResult r = step();
            if (r.status < 0) return r.status;
            if (r.done) return 0;
            if (r.progress) {
                if (armed_) {
                    p_.disarm(slice_.thread_index);
                    armed_ = false;
                }
                pto_cancel_wait(&backoff);
                continue;
            }
            if (!armed_) {
                armed_ = true;
                idle_types_ = (r.idle[0] ? 1u : 0u) | (r.idle[1] ? 2u : 0u) |
                              (r.idle_cluster ? 4u : 0u);
                if (p_.arm(slice_.thread_index, idle_types_)) continue;  // one last look
            }
            const uint64_t completed = p_.add_completed(0);
            const uint64_t timeout = p_.timeout_ns();
            uint64_t idle_ns = 0;
            if (watch.expired(p_.progress_mark(completed), p_.outstanding(completed), timeout,
                              &idle_ns)) {
                // The host describes the stall once every thread has returned.
                stop_run(PTO_ERR_TIMEOUT, idle_ns);
                return PTO_ERR_TIMEOUT;
            }
            uint64_t left = watch.remaining_ns(timeout);
            about_to_wait();
            pto_commit_wait(&bell_, key, &backoff, left < kMaxParkNs ? left + 1 : kMaxParkNs);
        }
    }

private:
    // What this thread knows of one of its workers, in its own memory, so
    // finding finished work reads only the workers' lines.
    struct Worker {
        bool answered = false;  // answered core discovery
        bool held = false;      // idle, kept for work that starts later
        uint32_t seq = 0;       // the last unit dispatched (handshake.h numbering)
        uint32_t done = 0;      // the last unit completed; seq - done outstanding
        uint64_t token[2] = {0, 0};        // unit s's token + 1, at s & 1
        uint64_t dispatch_ns[2] = {0, 0};  // when unit s was dispatched
    };

    // Writes worker `w`'s next dispatch slot for `token` (handshake.h, step
    // 2); the worker has at most one unit outstanding. With `here` (an idle
    // worker), this thread runs the unit (step 6) and the worker is not rung.
    void dispatch_to(int w, uint64_t token, bool here) {
        Worker& o = workers_[w];
        const uint64_t now = pto_now_ns();
        const uint32_t unit = o.seq + 1;
        const DispatchWords words = p_.prepare_dispatch(
            Dispatch{w, slice_.thread_index, token, now, static_cast<int>(unit & 1)});
        DispatchSlot& slot = mailboxes_[w].dispatch.slot[unit & 1];
        // Pairs with the worker's acquire fence after it read a slot's
        // words: a worker that read some of these is sure to see done_seq
        // past the unit the slot held before (a unit this thread ran itself
        // moved it; the worker may lag behind those, unrung).
        std::atomic_thread_fence(std::memory_order_release);
        slot.task.store(words.task, std::memory_order_relaxed);
        slot.kernel.store(words.kernel, std::memory_order_relaxed);
        slot.args.store(words.args, std::memory_order_relaxed);
        slot.args_bytes.store(words.args_bytes | (here ? kRunHere : 0u), std::memory_order_relaxed);
        o.token[unit & 1] = token + 1;
        o.dispatch_ns[unit & 1] = now;
        o.seq = unit;
        o.held = false;
        ++dispatched_[static_cast<int>(type_of(w))];
        // Publishes the slot's words; pairs with the worker's acquire load
        // of the slot's seq.
        slot.seq.store(unit, std::memory_order_release);
        if (here) {
            pto_run_unit_here(w, p_.timeout_ns(), &SchedulerCore::unit_here_timed_out, this);
        } else {
            pto_notify(&mailboxes_[w].sched.bell);
        }
    }

    // A unit this thread ran itself did not return within the run's
    // timeout: called from another thread, it stops the run as this
    // thread's stall watch would have, and this thread's workers.
    static void unit_here_timed_out(void* context) {
        auto* core = static_cast<SchedulerCore*>(context);
        core->stop_run(PTO_ERR_TIMEOUT, core->p_.timeout_ns());
        core->stop_workers();
    }

    // 1 when worker `w` has answered discovery with the core type its
    // position implies, 0 when it has not answered yet, PTO_ERR_SCHEDULER
    // when it is the wrong kind of core.
    int check_answer(int w) {
        const WorkerLine& k = mailboxes_[w].work;
        // Pairs with the worker's release store of aicore_done (core_type before it).
        if (k.aicore_done.load(std::memory_order_acquire) != static_cast<uint32_t>(w + 1)) return 0;
        int reported = k.core_type.load(std::memory_order_relaxed);
        if (reported != static_cast<int>(type_of(w))) {
            DEV_ERROR("worker %d reported core type %d, expected %s", w, reported,
                      core_type_name(type_of(w)));
            return PTO_ERR_SCHEDULER;
        }
        workers_[w].answered = true;
        return 1;
    }

    Policy& p_;
    const SchedulerSlice& slice_;
    Handshake* mailboxes_;
    int block_dim_;
    EventCount& bell_;
    bool armed_ = false;
    uint32_t idle_types_ = 0;
    UnitHereWatch here_;
    uint64_t dispatched_[2] = {0, 0};  // this pass, per core type
    Worker workers_[PLATFORM_MAX_WORKERS];
};
