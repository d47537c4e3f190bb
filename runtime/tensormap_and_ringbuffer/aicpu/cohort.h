// Sync-start tasks (CLUSTER.md section 5): every block of the task is on a
// core before any of them starts. One cohort gathers at a time, over all
// scheduler threads: a thread opens it with a task from the sync-start
// queue, every thread holds idle units of its own slice for it (an AIC or
// AIV core, or the active cores of one cluster for a MIX task) until the
// units held reach the block count, and then each starts the blocks of the
// units it holds. While a cohort gathers no thread starts anything else, so
// the cores drain: a cohort waits for the kernels running when it opened,
// never for work made ready after it.
//
// CohortState::word holds the generation (odd while a cohort gathers) in
// its high half and the units held in its low half, so a hold taken for a
// cohort that has since closed fails its compare-exchange. Closing stores
// the even generation before clearing `task`, and opening claims `task`
// before storing the odd one: a thread that reads the word and then the
// task checks the word again to know the two belong together.
#pragma once

#include <atomic>
#include <cstdint>

#include "block_check.h"
#include "ring_layout.h"
#include "scheduler_core.h"
#include "task_lifecycle.h"

template <typename Core>
class CohortGatherer {
public:
    explicit CohortGatherer(const TmView& v) : v_(v), st_(v.block->cohort) {}

    // One pass: opens a cohort if none gathers, holds this thread's free
    // units for it, starts them once all are held. True while a cohort
    // gathers: the caller starts nothing else.
    bool pass(Core& core) {
        uint64_t word = st_.word.load(std::memory_order_acquire);
        if ((generation(word) & 1) == 0) {
            if (!open(&word)) return false;
        }
        // Pairs with the opener's release store of the word (after its task).
        const uint64_t task = st_.task.load(std::memory_order_acquire);
        const uint64_t again = st_.word.load(std::memory_order_acquire);
        if (task == 0 || generation(again) != generation(word)) return false;  // it just closed
        word = again;
        const uint64_t id = task - 1;
        const TaskSlot& s = v_.slot(id);
        ClusterTask& ct = cluster_of(s);
        if (gen_ != generation(word)) {
            gen_ = generation(word);
            count_ = 0;
        }
        if (held(word) < static_cast<uint32_t>(ct.block_num)) hold_units(core, s, ct);
        word = st_.word.load(std::memory_order_acquire);
        if (generation(word) == gen_ && held(word) == static_cast<uint32_t>(ct.block_num) &&
            count_ > 0) {
            return !start(core, s, ct, id);
        }
        return true;
    }

private:
    static uint32_t generation(uint64_t word) { return static_cast<uint32_t>(word >> 32); }
    static uint32_t held(uint64_t word) { return static_cast<uint32_t>(word); }

    // Takes a task from the sync-start queue and opens its cohort; false
    // when there is none (or another thread is opening one).
    bool open(uint64_t* word) {
        if (!lifecycle::special_queued(v_) || v_.ready(kQueueCohort).size() == 0) return false;
        if (st_.task.load(std::memory_order_acquire) != 0) return false;
        uint64_t id;
        if (!lifecycle::pop_ready(v_, kQueueCohort, &id)) return false;
        uint64_t none = 0;
        if (!st_.task.compare_exchange_strong(none, id + 1, std::memory_order_acq_rel)) {
            // Another thread opened one first: the task waits its turn.
            lifecycle::push_ready(v_, v_.slot(id), kQueueCohort);
            return false;
        }
        if (v_.block->check_arena_bytes != 0) {
            BlockChecker::skip(v_, v_.slot(id), cluster_of(v_.slot(id)), BlockChecker::kSyncStartWhy);
        }
        const uint64_t opened = static_cast<uint64_t>(generation(*word) + 1) << 32;
        // Publishes `task`; pairs with the acquire loads of the word in pass().
        st_.word.store(opened, std::memory_order_release);
        *word = opened;
        lifecycle::ring_schedulers(v_);  // every thread holds its share
        return true;
    }

    // Holds free units of this thread's slice for the cohort, one
    // compare-exchange each, until the cohort has all it needs.
    void hold_units(Core& core, const TaskSlot& s, const ClusterTask& ct) {
        const SchedulerSlice& sl = core.slice();
        const int shape = shape_of(s);
        auto try_hold = [&]() {
            uint64_t word = st_.word.load(std::memory_order_acquire);
            for (;;) {
                if (generation(word) != gen_ || held(word) >= static_cast<uint32_t>(ct.block_num))
                    return false;
                if (st_.word.compare_exchange_weak(word, word + 1, std::memory_order_acq_rel)) {
                    // The last unit: everyone holding units starts now.
                    if (held(word) + 1 == static_cast<uint32_t>(ct.block_num))
                        lifecycle::ring_schedulers(v_);
                    return true;
                }
            }
        };
        if (shape == kShapeMix) {
            for (int c = sl.cluster_begin; c < sl.cluster_end; ++c) {
                if ((core.idle_slots(c) & ct.slot_mask) != ct.slot_mask) continue;
                if (!try_hold()) return;
                for (int slot = 0; slot < kSlotCount; ++slot) {
                    if (ct.slot_mask & (1u << slot)) core.hold(core.worker_of(c, slot));
                }
                units_[count_++] = c;
            }
            return;
        }
        const int begin = shape == kShapeAic ? sl.aic_begin : sl.aiv_begin;
        const int end = shape == kShapeAic ? sl.aic_end : sl.aiv_end;
        for (int w = begin; w < end; ++w) {
            if (!core.has_idle_worker(w)) continue;
            if (!try_hold()) return;
            core.hold(w);
            units_[count_++] = w;
        }
    }

    // Starts a block on every unit this thread holds; the thread whose
    // units complete the cohort closes it. True when it closed.
    bool start(Core& core, const TaskSlot& s, ClusterTask& ct, uint64_t id) {
        const int shape = shape_of(s);
        for (int i = 0; i < count_; ++i) {
            const int block = ct.next_block.fetch_add(1, std::memory_order_relaxed);
            if (shape != kShapeMix) {
                core.dispatch(units_[i], unit_token(id, shape == kShapeAic ? kSlotAic : kSlotAiv0,
                                                    block));
                continue;
            }
            for (int slot = 0; slot < kSlotCount; ++slot) {
                if (ct.slot_mask & (1u << slot)) {
                    core.dispatch(core.worker_of(units_[i], slot), unit_token(id, slot, block));
                }
            }
        }
        const int32_t n = count_;
        count_ = 0;
        if (st_.started.fetch_add(n, std::memory_order_acq_rel) + n != ct.block_num) return false;
        st_.started.store(0, std::memory_order_relaxed);
        // Closes the cohort: the even generation first, then the task (see
        // the top of the file). Release pairs with pass()'s acquire loads.
        st_.word.store(static_cast<uint64_t>(gen_ + 1) << 32, std::memory_order_release);
        st_.task.store(0, std::memory_order_release);
        lifecycle::ring_schedulers(v_);  // the drain is over
        return true;
    }

    const TmView& v_;
    CohortState& st_;
    uint32_t gen_ = 0;  // the cohort the units below are held for
    int count_ = 0;
    int units_[PLATFORM_MAX_WORKERS];  // workers, or clusters for a MIX task
};
