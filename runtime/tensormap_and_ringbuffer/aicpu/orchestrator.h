// The orchestrator: the AICPU thread that runs the orchestration object and
// turns its calls into tasks. It alone allocates (task slots, heap bytes,
// dependency entries, tensor-map entries), so allocation needs no locks;
// the schedulers only release, by moving each ring's last_alive.
//
// When a ring is full it waits for reclamation, and a wait that can never
// end is an error with a name: the oldest task of the ring still belongs to
// a scope this thread has open (it cannot close it while it waits).
#pragma once

#include <atomic>
#include <cstdarg>
#include <cstdint>

#include "heap_ring.h"
#include "orchestration_object.h"
#include "pto_orchestration_api.h"
#include "ring_layout.h"
#include "tensor_map.h"

class Orchestrator {
public:
    explicit Orchestrator(const TmView& v);

    // Loads the orchestration object, runs its entry inside the outer scope
    // and marks the orchestration done. Returns 0 or the launch's status.
    // Calls from threads the orchestration started are reported while the
    // entry runs; if it left one running (the simulator counts the threads
    // a thread starts), the object stays loaded and such calls are reported
    // until release(), after the run has ended. Otherwise it is released
    // as the entry returns.
    int run();
    bool keeps_object() const { return keeps_object_; }
    // Waits (parked) until every submitted task has completed or the run
    // was stopped: a thread the orchestration left running may still call.
    void wait_for_run_end();
    // No call reaches this orchestrator after this; the object is unloaded.
    // The destructor does it too.
    void release();
    ~Orchestrator();
    // A call from a thread the runtime did not bind (pto2_detail::foreign):
    // the run fails with INVALID_ARGS naming it. Runs on that thread, so it
    // touches nothing but the launch block's atomics.
    void foreign_call(const char* call);

    // A task of the kernels `mk` names, or with `dummy` of none.
    TaskOutputTensors submit(const MixedKernels& mk, const CoreTaskArgs& args, bool dummy);
    // This run's clusters (what = 0) or AIV cores (what = 1).
    int32_t available(int32_t what) const;
    TaskOutputTensors alloc(const TensorCreateInfo* infos, int32_t count);
    void scope_begin(PTO2ScopeMode mode);
    void scope_end();
    // The orchestration's own scope_end (rt_scope_end, a guard's end): one
    // with none of its scopes open would end the runtime's outer scope.
    void user_scope_end();
    int32_t read_element(const ChipTensor& t, uint64_t element, void* value);
    int32_t write_element(const ChipTensor& t, uint64_t element, const void* value);
    void log(int32_t level, const char* fmt, va_list args);
    void fatal(int32_t code, const char* fmt, ...) __attribute__((format(printf, 3, 4)));
    void vfatal(int32_t code, const char* fmt, va_list args);
    bool failed() const;
    // Whether task `id` still holds the memory of its outputs; if not, the
    // run fails with INVALID_ARGS naming what happened.
    bool outputs_held(uint64_t id);

    // With one AICPU thread there is no other scheduler: the orchestrator
    // runs `step(scheduler)` (true when it moved anything) wherever it would
    // wait, and every few submissions, and waits on that scheduler's
    // doorbell (rung by its workers) instead of its own.
    using SchedulerStep = bool (*)(void* scheduler);
    void set_scheduler_step(SchedulerStep step, void* scheduler, EventCount* bell) {
        step_ = step;
        step_scheduler_ = scheduler;
        step_bell_ = bell;
    }

private:
    enum class Room { kWindow, kHeap, kDeps, kMap };
    struct Scope {
        uint32_t serial;
        uint32_t tasks_begin;  // into the scope task stack
        PTO2ScopeMode mode;
    };
    struct Allocation {
        uint64_t id;
        TaskSlot* slot;
        uint8_t* memory;  // the task's heap bytes
    };

    int ring_now() const;
    bool alive(uint64_t id) const;
    // alive() as of the last_alive last loaded (last_seen_): a retired task
    // may still look alive, never the other way round. For discovery, where
    // a task that looks alive is checked again by link() (its slot's id, its
    // state, a reference that cannot be taken once it is consumed).
    bool maybe_alive(uint64_t id) const { return number_of(id) >= last_seen_[ring_of(id)]; }
    void refresh_last_seen();
    // A reference on memory owner `p` (task `pid`) for the current task;
    // false if it is consumed. Taken kPrepaidRefs at a time and handed out
    // from prepaid_: readers of one buffer touch the owner's counter, a line
    // the schedulers' releases write, once per batch. What is left is given
    // back before this thread waits and when a scope ends, so prepaid
    // references never hold up a ring's reclamation or a scope's end.
    bool take_owner_ref(TaskSlot& p, uint64_t pid);
    void return_prepaid_refs();
    static constexpr int32_t kPrepaidRefs = 64;
    static constexpr int kPrepaidOwners = 4;
    struct PrepaidRefs {
        uint64_t id = 0;  // task id + 1, 0 = free
        int32_t left = 0;
    };
    // Loads the ring's last_alive into last_seen_ and returns it.
    uint64_t last_seen(int ring);
    bool scope_open(uint32_t depth, uint32_t serial) const;
    template <typename BatchAt, typename HasRoom>
    bool wait_for_room(int ring, Room what, uint64_t need, BatchAt batch_at_of, HasRoom has_room);
    // Which rings' retirements ring this thread's doorbell while it waits
    // for room: armed by arm_room_wakeups, disarmed when it goes.
    struct RoomWakeups {
        TmLaunchBlock* b;
        int from, to;
        RoomWakeups(TmLaunchBlock* block, int first, int end) : b(block), from(first), to(end) {}
        RoomWakeups(const RoomWakeups&) = delete;
        RoomWakeups& operator=(const RoomWakeups&) = delete;
        ~RoomWakeups() {
            for (int r = from; r < to; ++r) b->wake_at[r].value.store(0, std::memory_order_relaxed);
        }
    };
    RoomWakeups arm_room_wakeups(int ring, Room what, uint64_t batch_at);
    // Whether no wait can end: nothing alive in the rings watched, or each
    // one's oldest live task held by a scope open here (*blocker: one to name).
    bool room_is_stuck(const RoomWakeups& wakeups, const TaskSlot** blocker) const;
    // Moves whenever any ring retires a task.
    uint64_t retired_mark() const;
    void report_no_room(int ring, Room what, uint64_t need, const TaskSlot* blocker,
                        bool serial_stall, bool no_progress);
    bool allocate(int ring, uint64_t heap_bytes, Allocation* out);
    TaskSlot& claim_slot(int ring, uint64_t number);
    uint8_t* take_heap(int ring, uint64_t number, uint64_t heap_bytes);
    bool note_producer(uint64_t id, bool owns_memory);
    bool memory_gone(uint64_t owner, const char* what);
    uint64_t open_scope_floor(int ring) const;
    SeenSlot* find_seen(uint64_t id);
    void remember_producer(uint32_t at);
    static constexpr uint32_t kScannedProducers = 16;
    bool discover(uint64_t id, PTO2ArgKind kind, const ChipTensor& t, const AccessRegion& r,
                  bool manual);
    // The tensor map's key for `t`'s memory: its buffer's base, or, for a
    // descriptor whose base lies inside one of the runner's tensors (made
    // from an address in it, as make_tensor_external of a sub-range does),
    // that tensor's base, with `r` moved to be relative to it. Two
    // descriptors of one memory so meet in the map.
    uint64_t map_key(const ChipTensor& t, AccessRegion* r) const;
    struct KnownBuffer {
        uint64_t base, size;
    };
    KnownBuffer known_[PTO2_MAX_TENSOR_ARGS];  // the runner's tensors, by base
    uint32_t known_count_ = 0;
    bool link(const Allocation& a);
    bool record_edges(uint32_t* kept);
    bool room_for_entries(int ring, uint64_t number, uint32_t n);
    bool take_entries(const Allocation& a, uint32_t n);
    bool push_fanout(TaskSlot& p, TaskSlot& c, DepEntry& e, uint64_t ref);
    const KernelEntry* resolve_kernel(int32_t func_id) const;
    // "func_id N" of the task being submitted, or "a dummy task".
    const char* func_text();
    char func_text_[32] = "";
    // Submitting, step by step (orchestrator_submit.cpp).
    struct ArgumentLayout {
        uint64_t cluster_bytes = 0;  // a ClusterTask before the words, or none
        uint64_t words_bytes = 0, desc_bytes = 0, head_bytes = 0, outputs_bytes = 0;
        int output_count = 0;
    };
    struct LaidOut {
        uint64_t* words = nullptr;
        ChipTensor* descs = nullptr;
        ChipTensor* copies = nullptr;
    };
    // What a submit asks of the cluster model (orchestrator_cluster.cpp).
    struct TaskPlan {
        int8_t shape = kShapeAic;
        uint8_t mask = 0;  // active KernelSlots
        uint64_t kernels[kSlotCount] = {0, 0, 0};
        int32_t func_ids[kSlotCount] = {-1, -1, -1};
        int32_t block_num = 1;
        bool sync_start = false;
        uint8_t predicate_op = 0, predicate_bytes = 0;
        int64_t predicate_target = 0;
        uint64_t predicate_addr = 0;
        // Anything beyond one kernel on one core: the task carries a ClusterTask.
        bool clustered() const {
            return shape != kShapeDummy &&
                   (block_num > 1 || shape == kShapeMix || predicate_op != 0);
        }
    };
    bool classify(const MixedKernels& mk, const CoreTaskArgs& args, bool dummy, TaskPlan* plan);
    bool checked_slot_kernel(int slot, int32_t id, uint64_t* entry);
    bool checked_launch(const CoreTaskArgs& args, TaskPlan* plan);
    bool checked_predicate(const CoreTaskArgs& args, TaskPlan* plan);
    void write_cluster_task(ClusterTask* ct, const TaskPlan& plan, const CoreTaskArgs& args);
    bool checked_arguments(const CoreTaskArgs& args);
    bool measure_arguments(const CoreTaskArgs& args, AccessRegion* regions,
                           ArgumentLayout* layout);
    LaidOut lay_out_arguments(const Allocation& a, const CoreTaskArgs& args,
                              const ArgumentLayout& layout);
    void describe_task(const Allocation& a, uint64_t kernel, const TaskPlan& plan,
                       const ArgumentLayout& layout, const uint64_t* words);
    void find_producers(const Allocation& a, const CoreTaskArgs& args, const ChipTensor* descs,
                        const AccessRegion* regions);
    bool check_tensor(const ChipTensor& t, int index, const char* what, AccessRegion* region);
    void publish(const Allocation& a, bool has_kernel);
    bool wait_until_done(uint64_t id, uint64_t deadline_ns, const char* why);
    int32_t wait_for_accesses(const ChipTensor& t, uint64_t element, bool include_reads);
    void ring_settings_text(char* out, size_t size) const;

    TmView v_;
    TensorMap map_;
    uint64_t next_[kRingCount] = {};
    HeapRing heaps_[kRingCount];
    uint64_t dep_head_[kRingCount] = {};
    // Each ring's last_alive as last loaded: reclamation only moves it up,
    // so room found with it is there (a ring that looks full looks again).
    uint64_t last_seen_[kRingCount] = {};
    uint32_t since_refresh_ = 0;  // submissions since last_seen_ was refreshed
    PrepaidRefs prepaid_[kPrepaidOwners];
    uint32_t prepaid_next_ = 0;                  // the entry a new owner replaces when none is free
    Scope scopes_[PTO2_MAX_SCOPE_DEPTH];
    uint32_t depth_ = 0;
    uint32_t next_serial_ = 1;
    uint64_t* scope_tasks_;
    uint32_t scope_top_ = 0;
    uint64_t* producers_;  // id | kProducerOwnsMemory
    uint32_t producer_count_ = 0;
    uint32_t linked_ = 0;  // producers the current task was linked behind
    SeenSlot* seen_;
    uint64_t seen_stamp_ = 0;
    uint64_t next_seq_ = 0;
    uint64_t current_ = PTO2_INVALID_TASK_ID.raw;  // task being submitted
    int32_t current_func_ = -1;
    bool failed_ = false;
    OrchestrationObject object_;
    bool bound_ = false;  // the object's run-wide binding is set (release() clears it)
    void (*release_binding_)() = nullptr;  // the object's pto2_orchestration_release
    bool keeps_object_ = false;  // the entry left a thread it started: kept to the run's end
    std::atomic<bool> entry_returned_{false};
    // A foreign call was reported: its thread may still run the object's
    // code, so the object is never unloaded (kept for the process's life).
    std::atomic<bool> foreign_seen_{false};
    int32_t log_level_ = PTO2_LOG_INFO;
    uint64_t wait_ns_ = 0;  // time spent in waits, published at the end of run()
    SchedulerStep step_ = nullptr;
    void* step_scheduler_ = nullptr;
    EventCount* step_bell_ = nullptr;
    uint32_t since_step_ = 0;  // submissions since the last scheduler step

    EventCount& wait_bell() const {
        return step_bell_ != nullptr ? *step_bell_ : v_.block->orchestrator_bell.bell;
    }
    // Serialised: nothing runs until the orchestration returns, so a wait
    // for a task can never end.
    bool serialised() const {
        return v_.block->serial != 0 || (v_.block->aicpu_thread_num == 1 && step_ == nullptr);
    }
    bool run_scheduler_step() { return step_ != nullptr && step_(step_scheduler_); }
};
