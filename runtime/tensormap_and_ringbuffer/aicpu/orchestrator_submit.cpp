// The orchestration API's calls: submitting a task (checking it, laying out
// its arguments in the heap, finding its producers, publishing it),
// alloc_tensors, and scopes.
#include "device_log.h"
#include "event_count.h"
#include "orchestrator.h"
#include "orchestrator_internal.h"
#include "pto_status.h"
#include "task_lifecycle.h"
#include "time_source.h"

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>


using namespace orch_detail;

// ---- submitting ----------------------------------------------------------------

const KernelEntry* Orchestrator::resolve_kernel(int32_t func_id) const {
    const KernelEntry* k = v_.kernels();
    uint32_t lo = 0, hi = v_.block->kernel_count;
    while (lo < hi) {
        uint32_t mid = (lo + hi) / 2;
        if (k[mid].func_id < func_id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < v_.block->kernel_count && k[lo].func_id == func_id && k[lo].entry != 0 ? &k[lo]
                                                                                      : nullptr;
}

bool Orchestrator::check_tensor(const ChipTensor& t, int index, const char* what,
                                AccessRegion* region) {
    const char* problem = nullptr;
    char detail[160] = "";
    if (t.ndims == 0 || t.ndims > PTO2_MAX_TENSOR_DIMS) {
        problem =
            "has no valid shape (ndims 0, or a reshape of a view that is not contiguous or "
            "keeps a different element count)";
    } else if (get_element_size(t.dtype) == 0) {
        problem = "has an unknown dtype";
    } else if (t.buffer.addr == 0) {
        problem =
            "has no buffer (a TaskOutputTensors of a failed submit, or an output used before it "
            "was made)";
    } else {
        *region = AccessRegion::of(t);
        const AccessRegion& r = *region;
        if (r.hi == ~0ull) {
            problem = "reaches past its buffer (its shapes and strides overflow 64 bits)";
        } else if (r.hi > t.buffer.size) {
            problem = "reaches past its buffer";
            std::snprintf(detail, sizeof detail,
                          " (the view ends at byte %" PRIu64 " of a %" PRIu64 "-byte buffer)", r.hi,
                          t.buffer.size);
        }
    }
    if (problem == nullptr) return true;
    fatal(PTO2_ERROR_INVALID_ARGS, "task #%" PRIu64 " (%s): tensor argument %d (%s) %s%s",
          next_seq_, func_text(), index, what, problem, detail);
    return false;
}

void Orchestrator::publish(const Allocation& a, bool has_kernel) {
    TaskSlot& s = *a.slot;
    TmLaunchBlock* b = v_.block;
    // Every task of an open scope is alive, and the stack holds as many as
    // the rings keep alive: it cannot fill. Were it full, the task's scope
    // reference would never be dropped and its ring would stall; stop now.
    if (scope_top_ >= b->scope_capacity) {
        fatal(PTO2_ERROR_INVALID_ARGS,
              "task #%" PRIu64 ": the open scopes already hold %u tasks, all the rings keep "
              "alive; this is a runtime fault, please report it with the orchestration",
              s.seq, b->scope_capacity);
        return;
    }
    scope_tasks_[scope_top_++] = a.id;
    if (!has_kernel) {
        // alloc_tensors: nothing to run; done at once.
        s.pending.store(0, std::memory_order_relaxed);
        lifecycle::complete_task(v_, s, TaskTrace(), pto_now_ns());
        return;
    }
    if (TaskRecord* r = lifecycle::record_of(v_, s.seq)) {
        r->state.store(static_cast<int32_t>(SlotState::kPending) + 1, std::memory_order_release);
    }
    // This thread alone counts submissions (no read-modify-write); counted
    // before the task can become ready, so completed never passes it.
    b->submitted.store(b->submitted.load(std::memory_order_relaxed) + 1, std::memory_order_release);
    // Drops the submission's hold: if every producer is done, the task is
    // ready now (acq_rel pairs with the producers' completions). Linked
    // behind none, no other thread knows the task: a plain store does.
    bool ready;
    if (linked_ == 0) {
        s.pending.store(0, std::memory_order_relaxed);
        ready = true;
    } else {
        ready = s.pending.fetch_sub(1, std::memory_order_acq_rel) == 1;
    }
    if (ready) {
        const int queue = lifecycle::make_ready(v_, s, pto_now_ns());
        // Serialised, no scheduler dispatches before the orchestration is
        // done (which rings them all): waking one per task only costs.
        if (b->serial == 0) lifecycle::wake_idle_scheduler(v_, queue, -1);
    }
    // A lone thread keeps its workers fed while it submits.
    if (step_ != nullptr && ++since_step_ >= kSubmitsPerStep) {
        since_step_ = 0;
        run_scheduler_step();
    }
}

// A task: checked, its arguments laid out in its heap piece, its producers
// found and linked, then published. Each step stops the run with a named
// error when it finds one.
TaskOutputTensors Orchestrator::submit(const MixedKernels& mk, const CoreTaskArgs& args,
                                       bool dummy) {
    if (failed()) return TaskOutputTensors();
    TaskPlan plan;
    if (!checked_arguments(args) || !classify(mk, args, dummy, &plan)) return TaskOutputTensors();
    ArgumentLayout layout;
    AccessRegion regions[PTO2_MAX_TENSOR_ARGS];  // of the tensors that exist, found once
    if (plan.clustered()) layout.cluster_bytes = sizeof(ClusterTask);
    if (!measure_arguments(args, regions, &layout)) return TaskOutputTensors();
    const int ring = ring_now();
    if (plan.clustered() && next_[ring] >= kUnitNumberLimit) {
        fatal(PTO2_ERROR_INVALID_ARGS,
              "task #%" PRIu64 " (%s): ring %d has numbered 2^40 tasks in this launch, "
              "the most a task with blocks or several kernels can be numbered; split the run",
              next_seq_, func_text(), ring);
        return TaskOutputTensors();
    }
    Allocation a;
    if (!allocate(ring, layout.head_bytes + layout.outputs_bytes, &a)) {
        return TaskOutputTensors();
    }
    const LaidOut laid = lay_out_arguments(a, args, layout);
    if (plan.clustered()) {
        write_cluster_task(reinterpret_cast<ClusterTask*>(a.memory), plan, args);
    }
    const uint64_t entry = plan.shape == kShapeDummy ? 0
                           : plan.mask & 1           ? plan.kernels[kSlotAic]
                                                     : plan.kernels[kSlotAiv0];
    describe_task(a, entry, plan, layout, laid.words);
    find_producers(a, args, laid.descs, regions);
    if (!failed()) link(a);
    if (TaskRecord* r = lifecycle::record_of(v_, next_seq_)) {
        r->fanin.store(static_cast<int32_t>(producer_count_), std::memory_order_relaxed);
    }
    current_ = PTO2_INVALID_TASK_ID.raw;
    ++next_seq_;
    v_.block->seq_count.store(next_seq_, std::memory_order_release);
    // Even a task of a failing run is published: its slot is in the ring and
    // the scope ends it like any other (nothing more is dispatched).
    publish(a, true);
    // A later error outside a submit (a scope, the entry's return) is about
    // no task: it must not name this one's kernel.
    current_func_ = -1;
    if (failed()) return TaskOutputTensors();
    return TaskOutputTensors(PTO2TaskId{a.id}, laid.copies, layout.output_count);
}

// The argument mistakes CoreTaskArgs kept while it was filled.
bool Orchestrator::checked_arguments(const CoreTaskArgs& args) {
    const uint32_t mistakes = args.mistakes();
    if (mistakes == 0) return true;
    const char* what = (mistakes & 1) ? "a tensor was added after a scalar (tensors come first)"
                       : (mistakes & 2) ? "more than 32 tensor arguments"
                       : (mistakes & 4) ? "more than 16 scalar arguments"
                       : (mistakes & 8) ? "more than 16 explicit dependencies added one at a time "
                                          "(add_dependency, or add_dep past CoreTaskArgsWithDeps<N>)"
                                        : "set_dependencies was given a negative count or no array, "
                                          "or add_dependency followed a set_dependencies of more "
                                          "than 16";
    fatal(PTO2_ERROR_INVALID_ARGS, "task #%" PRIu64 ": %s", next_seq_, what);
    return false;
}

// Checks every tensor argument (regions[i] for those that exist) and sizes
// the task's heap piece: its argument words (50 slots: tensors, scalars, and
// the block context at 48 and 49), the descriptors they point at
// (together what the kernel reads through its arguments, so one range from
// the words covers them: a device worker invalidates its cache over it),
// copies of the outputs' descriptors (what TaskOutputTensors hands back),
// the outputs.
bool Orchestrator::measure_arguments(const CoreTaskArgs& args, AccessRegion* regions,
                                     ArgumentLayout* layout) {
    const int tensors = args.tensor_count();
    uint64_t outputs_bytes = 0;
    int output_count = 0;
    for (int i = 0; i < tensors; ++i) {
        if (args.kind(i) != PTO2ArgKind::OUTPUT) {
            const char* what = args.kind(i) == PTO2ArgKind::INPUT ? "input" : "output/inout";
            if (!check_tensor(args.tensor_at(i), i, what, &regions[i])) return false;
            continue;
        }
        const TensorCreateInfo& info = args.create_info(i);
        uint64_t bytes = 0;
        if (info.ndims == 0 || info.ndims > PTO2_MAX_TENSOR_DIMS ||
            get_element_size(info.dtype) == 0) {
            fatal(PTO2_ERROR_INVALID_ARGS,
                  "task #%" PRIu64
                  " (%s): output %d has %u dimensions and dtype %d; "
                  "use 1..5 dimensions and a DataType",
                  next_seq_, func_text(), i, info.ndims, static_cast<int>(info.dtype));
            return false;
        }
        if (!created_bytes(info, &bytes)) {
            fatal(PTO2_ERROR_INVALID_ARGS,
                  "task #%" PRIu64
                  " (%s): output %d's shape holds more than 2^56 bytes (its "
                  "element count overflows); give a shape that fits the ring heap",
                  next_seq_, func_text(), i);
            return false;
        }
        outputs_bytes += bytes;
        ++output_count;
    }
    // Every kernel may read slots 48 and 49 (its block context), whatever
    // its own argument count (at most 32 tensors and 16 scalars, below 48).
    static_assert(PTO2_MAX_TENSOR_ARGS + PTO2_MAX_SCALAR_ARGS <= SPMD_LOCAL_CONTEXT_INDEX,
                  "tensors and scalars stay below the context slots");
    layout->words_bytes = align_up(static_cast<uint64_t>(PTO2_KERNEL_ARG_SLOTS) * sizeof(uint64_t),
                                   alignof(ChipTensor));
    layout->desc_bytes = static_cast<uint64_t>(tensors) * sizeof(ChipTensor);
    const uint64_t copies_bytes = static_cast<uint64_t>(output_count) * sizeof(ChipTensor);
    layout->head_bytes = align_up(
        layout->cluster_bytes + layout->words_bytes + layout->desc_bytes + copies_bytes, kHeapAlign);
    layout->outputs_bytes = outputs_bytes;
    layout->output_count = output_count;
    return true;
}

// Writes the task's argument words, its descriptors (new outputs placed in
// the piece, with their initial values) and the outputs' copies.
Orchestrator::LaidOut Orchestrator::lay_out_arguments(const Allocation& a,
                                                      const CoreTaskArgs& args,
                                                      const ArgumentLayout& layout) {
    LaidOut laid;
    uint8_t* const head = a.memory + layout.cluster_bytes;
    laid.words = reinterpret_cast<uint64_t*>(head);
    laid.descs = reinterpret_cast<ChipTensor*>(head + layout.words_bytes);
    laid.copies = reinterpret_cast<ChipTensor*>(head + layout.words_bytes + layout.desc_bytes);
    uint8_t* out_at = a.memory + layout.head_bytes;
    const int tensors = args.tensor_count();
    int o = 0;
    for (int i = 0; i < tensors; ++i) {
        ChipTensor& d = laid.descs[i];
        if (args.kind(i) == PTO2ArgKind::OUTPUT) {
            const TensorCreateInfo& info = args.create_info(i);
            d = make_chip_tensor(reinterpret_cast<uint64_t>(out_at), info.shapes, info.ndims,
                                 info.dtype);
            d.owner_task = a.id + 1;
            if (info.has_initial_value) {
                uint32_t es = get_element_size(info.dtype);
                for (uint64_t e = 0; e < info.numel(); ++e)
                    std::memcpy(out_at + e * es, &info.initial_value, es);
            }
            out_at += align_up(d.buffer.size, kHeapAlign);
            laid.copies[o++] = d;
        } else {
            d = args.tensor_at(i);
        }
        laid.words[i] = reinterpret_cast<uint64_t>(&d);
    }
    for (int j = 0; j < args.scalar_count(); ++j) laid.words[tensors + j] = args.scalar_at(j);
    laid.words[SPMD_LOCAL_CONTEXT_INDEX] = reinterpret_cast<uint64_t>(&v_.block->one_block);
    laid.words[SPMD_GLOBAL_CONTEXT_INDEX] = reinterpret_cast<uint64_t>(&v_.block->first_lane);
    return laid;
}

// The slot's and the record's description of the task.
void Orchestrator::describe_task(const Allocation& a, uint64_t kernel, const TaskPlan& plan,
                                 const ArgumentLayout& layout, const uint64_t* words) {
    const int32_t kernel_id = current_func_;
    TaskSlot& s = *a.slot;
    s.seq = next_seq_;
    s.kernel = kernel;
    s.args = reinterpret_cast<uint64_t>(words);
    s.args_lines =
        static_cast<uint16_t>((layout.words_bytes + layout.desc_bytes) / PLATFORM_CACHE_LINE);
    s.func_id = kernel_id;
    s.shape = static_cast<int8_t>(plan.shape | (plan.clustered() ? kShapeClustered : 0));
    if (TaskRecord* r = lifecycle::record_of(v_, next_seq_)) {
        r->func_id = kernel_id;
        r->core_type = plan.shape;
        r->block_num = plan.block_num;
        r->slot_mask = plan.mask;
        r->worker = -1;
        r->scheduler = -1;
        r->fanin.store(0, std::memory_order_relaxed);
        r->ready_ns = r->dispatch_ns = r->start_ns = r->end_ns = 0;
    }
}

// Producers: creators, discovered accesses, explicit edges. What looks
// alive is reloaded every few submissions, so the tensor map drops the
// entries of retired tasks as it walks.
void Orchestrator::find_producers(const Allocation& a, const CoreTaskArgs& args,
                                  const ChipTensor* descs, const AccessRegion* regions) {
    if (++since_refresh_ >= kSubmitsPerRefresh) {
        since_refresh_ = 0;
        refresh_last_seen();
    }
    ++seen_stamp_;
    producer_count_ = 0;
    linked_ = 0;
    const bool manual = depth_ > 0 && scopes_[depth_ - 1].mode == PTO2ScopeMode::MANUAL;
    for (int i = 0; i < args.tensor_count() && !failed(); ++i) {
        if (args.kind(i) == PTO2ArgKind::OUTPUT) continue;
        if (!discover(a.id, args.kind(i), descs[i], regions[i], manual)) break;
    }
    for (int d = 0; d < args.dependency_count() && !failed(); ++d) {
        const uint64_t dep = args.dependency(d).raw;
        if (dep == PTO2_INVALID_TASK_ID.raw || ring_of(dep) >= kRingCount ||
            number_of(dep) >= next_[ring_of(dep)]) {
            fatal(PTO2_ERROR_INVALID_ARGS,
                  "task #%" PRIu64
                  " (%s): explicit dependency %d is not the id of a task "
                  "submitted before it (0x%" PRIx64 ")",
                  next_seq_, func_text(), d, dep);
            break;
        }
        if (maybe_alive(dep) && !note_producer(dep, false)) break;
    }
}

TaskOutputTensors Orchestrator::alloc(const TensorCreateInfo* infos, int32_t count) {
    if (failed()) return TaskOutputTensors();
    current_func_ = -1;
    if (count < 1 || count > PTO2_MAX_TENSOR_ARGS || infos == nullptr) {
        fatal(PTO2_ERROR_INVALID_ARGS, "alloc_tensors: %d tensors; give 1..%d", count,
              PTO2_MAX_TENSOR_ARGS);
        return TaskOutputTensors();
    }
    uint64_t bytes = align_up(static_cast<uint64_t>(count) * sizeof(ChipTensor), kHeapAlign);
    for (int i = 0; i < count; ++i) {
        uint64_t one = 0;
        if (infos[i].ndims == 0 || infos[i].ndims > PTO2_MAX_TENSOR_DIMS ||
            get_element_size(infos[i].dtype) == 0) {
            fatal(PTO2_ERROR_INVALID_ARGS,
                  "alloc_tensors: tensor %d has %u dimensions and dtype %d; use 1..5 dimensions "
                  "and a DataType",
                  i, infos[i].ndims, static_cast<int>(infos[i].dtype));
            return TaskOutputTensors();
        }
        if (!created_bytes(infos[i], &one)) {
            fatal(PTO2_ERROR_INVALID_ARGS,
                  "alloc_tensors: tensor %d's shape holds more than 2^56 bytes (its element "
                  "count overflows); give a shape that fits the ring heap",
                  i);
            return TaskOutputTensors();
        }
        bytes += one;
    }
    Allocation a;
    if (!allocate(ring_now(), bytes, &a)) return TaskOutputTensors();
    auto* copies = reinterpret_cast<ChipTensor*>(a.memory);
    uint8_t* at =
        a.memory + align_up(static_cast<uint64_t>(count) * sizeof(ChipTensor), kHeapAlign);
    for (int i = 0; i < count; ++i) {
        copies[i] = make_chip_tensor(reinterpret_cast<uint64_t>(at), infos[i].shapes,
                                     infos[i].ndims, infos[i].dtype);
        // Done at once, so no task waits for it; but a task using the memory
        // holds it (as for a task's output) until that task completes, even
        // after the scope that made it has ended.
        copies[i].owner_task = a.id + 1;
        uint32_t es = get_element_size(infos[i].dtype);
        uint64_t n = infos[i].numel();
        if (infos[i].has_initial_value) {
            for (uint64_t e = 0; e < n; ++e) std::memcpy(at + e * es, &infos[i].initial_value, es);
        } else {
            std::memset(at, 0, n * es);
        }
        at += align_up(n * es, kHeapAlign);
    }
    current_ = PTO2_INVALID_TASK_ID.raw;
    publish(a, false);
    return TaskOutputTensors(PTO2TaskId{a.id}, copies, count);
}

// ---- scopes ------------------------------------------------------------------

void Orchestrator::scope_begin(PTO2ScopeMode mode) {
    if (depth_ >= PTO2_MAX_SCOPE_DEPTH) {
        fatal(PTO2_ERROR_INVALID_ARGS, "scopes nest deeper than %d", PTO2_MAX_SCOPE_DEPTH);
        ++depth_;  // scope_end still balances
        return;
    }
    PTO2ScopeMode inherited = depth_ > 0 && scopes_[depth_ - 1].mode == PTO2ScopeMode::MANUAL
                                  ? PTO2ScopeMode::MANUAL
                                  : mode;
    scopes_[depth_] = Scope{next_serial_++, scope_top_, inherited};
    ++depth_;
}

void Orchestrator::user_scope_end() {
    if (depth_ <= 1) {
        fatal(PTO2_ERROR_INVALID_ARGS,
              "rt_scope_end() with no scope of the orchestration's open: every rt_scope_end "
              "needs an rt_scope_begin before it");
        return;
    }
    scope_end();
}

void Orchestrator::scope_end() {
    if (depth_ == 0) return;
    return_prepaid_refs();
    --depth_;
    if (depth_ >= PTO2_MAX_SCOPE_DEPTH) return;
    // Every task of the scope loses its scope reference: those done and
    // unread are consumed now, the rest when their readers finish.
    uint32_t begin = scopes_[depth_].tasks_begin;
    for (uint32_t i = begin; i < scope_top_; ++i) lifecycle::release_ref(v_, scope_tasks_[i]);
    scope_top_ = begin;
}
