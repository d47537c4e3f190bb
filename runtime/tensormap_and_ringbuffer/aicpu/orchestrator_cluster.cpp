// What a submit asks of the cluster model, checked before anything is
// allocated: which cores the task's kernels need (its shape), how many
// blocks, whether they start as a cohort, and the element a predicate
// reads. Each mistake stops the run naming the task, the func_id and the
// value (docs/runtimes/tensormap_and_ringbuffer.md lists them).
#include <cinttypes>

#include "orchestrator.h"
#include "orchestrator_internal.h"

using namespace orch_detail;

namespace {

const char* slot_name(int slot) {
    return slot == kSlotAic ? "AIC" : slot == kSlotAiv0 ? "AIV0" : "AIV1";
}

int32_t first_kernel(const MixedKernels& mk) {
    return mk.aic_kernel_id != INVALID_KERNEL_ID    ? mk.aic_kernel_id
           : mk.aiv0_kernel_id != INVALID_KERNEL_ID ? mk.aiv0_kernel_id
                                                    : mk.aiv1_kernel_id;
}

}  // namespace

bool Orchestrator::classify(const MixedKernels& mk, const CoreTaskArgs& args, bool dummy,
                            TaskPlan* plan) {
    // Most tasks: one kernel on one core, one block, no predicate.
    if (!dummy && mk.aiv1_kernel_id == INVALID_KERNEL_ID &&
        (mk.aic_kernel_id == INVALID_KERNEL_ID) != (mk.aiv0_kernel_id == INVALID_KERNEL_ID) &&
        args.launch_spec.block_num() == 1 && args.predicate().op == PredicateOp::NONE) {
        const int slot = mk.aic_kernel_id != INVALID_KERNEL_ID ? kSlotAic : kSlotAiv0;
        const int32_t id = slot == kSlotAic ? mk.aic_kernel_id : mk.aiv0_kernel_id;
        if (id >= 0) {
            current_func_ = id;
            plan->shape = slot == kSlotAic ? kShapeAic : kShapeAiv;
            plan->mask = static_cast<uint8_t>(1u << slot);
            plan->func_ids[slot] = id;
            return checked_slot_kernel(slot, id, &plan->kernels[slot]);
        }
    }
    const int32_t ids[kSlotCount] = {mk.aic_kernel_id, mk.aiv0_kernel_id, mk.aiv1_kernel_id};
    current_func_ = first_kernel(mk);
    if (dummy) {
        plan->shape = kShapeDummy;
        return true;
    }
    for (int slot = 0; slot < kSlotCount; ++slot) {
        if (ids[slot] == INVALID_KERNEL_ID) continue;
        if (ids[slot] < 0) {
            fatal(PTO2_ERROR_INVALID_ARGS,
                  "task #%" PRIu64 ": the %s kernel id is %d; a kernel id is a func_id (0 or "
                  "more), or INVALID_KERNEL_ID for an unused slot",
                  next_seq_, slot_name(slot), ids[slot]);
            return false;
        }
        plan->mask |= static_cast<uint8_t>(1u << slot);
    }
    if (plan->mask == 0) {
        fatal(PTO2_ERROR_INVALID_ARGS,
              "task #%" PRIu64 ": its MixedKernels name no kernel (every slot is "
              "INVALID_KERNEL_ID); set aic_kernel_id, aiv0_kernel_id or aiv1_kernel_id, or "
              "submit it with rt_submit_dummy_task",
              next_seq_);
        return false;
    }
    // An AIV1-only task is an AIV task: its kernel goes in the AIV0 slot.
    if (plan->mask == (1u << kSlotAiv1)) plan->mask = 1u << kSlotAiv0;
    for (int slot = 0; slot < kSlotCount; ++slot) {
        const int32_t id = ids[slot] != INVALID_KERNEL_ID ? ids[slot] : ids[kSlotAiv1];
        if ((plan->mask & (1u << slot)) == 0) continue;
        plan->func_ids[slot] = id;
        if (!checked_slot_kernel(slot, id, &plan->kernels[slot])) return false;
    }
    current_func_ = first_kernel(mk);  // the task's func_id in records and reports
    plan->shape = plan->mask == (1u << kSlotAic)    ? kShapeAic
                  : plan->mask == (1u << kSlotAiv0) ? kShapeAiv
                                                    : kShapeMix;
    return checked_launch(args, plan) && checked_predicate(args, plan);
}

// The kernel registered for func_id `id`, which must be built for the core
// type of `slot`.
bool Orchestrator::checked_slot_kernel(int slot, int32_t id, uint64_t* entry) {
    const KernelEntry* k = resolve_kernel(id);
    current_func_ = id;  // the report names this kernel
    if (k == nullptr) {
        fatal(PTO2_ERROR_INVALID_ARGS,
              "task #%" PRIu64 " uses func_id %d (its %s kernel), which has no registered kernel; "
              "register it (kernel_config.py KERNELS) before launching",
              next_seq_, id, slot_name(slot));
        return false;
    }
    const int wanted = slot == kSlotAic ? 0 : 1;
    if (k->core_type != 0 && k->core_type - 1 != wanted) {
        fatal(PTO2_ERROR_INVALID_ARGS,
              "task #%" PRIu64 " (func_id %d): the kernel in its %s slot is built for %s "
              "(core_type in the kernel list), but the slot runs on an %s core; put an %s kernel "
              "there, or submit the kernel in an %s slot",
              next_seq_, id, slot_name(slot), k->core_type == 1 ? "AIC" : "AIV",
              wanted == 0 ? "AIC" : "AIV", wanted == 0 ? "AIC" : "AIV",
              k->core_type == 1 ? "AIC" : "AIV");
        return false;
    }
    *entry = k->entry;
    return true;
}

// block_num and sync start. A cohort needs all its blocks on cores at once:
// more than the device holds can never start.
bool Orchestrator::checked_launch(const CoreTaskArgs& args, TaskPlan* plan) {
    const int32_t n = args.launch_spec.block_num();
    if (n < 1 || n > 32767) {
        fatal(PTO2_ERROR_INVALID_ARGS,
              "task #%" PRIu64 " (func_id %d): launch_spec.set_block_num(%d); a task has 1..32767 "
              "blocks",
              next_seq_, current_func_, n);
        return false;
    }
    plan->block_num = n;
    if (n == 1 || !args.launch_spec.require_sync_start()) return true;
    const int32_t clusters = v_.block->block_dim;
    const int32_t limit = plan->shape == kShapeAiv ? clusters * PLATFORM_AIV_PER_BLOCK : clusters;
    if (n > limit) {
        fatal(PTO2_ERROR_REQUIRE_SYNC_START_INVALID,
              "task #%" PRIu64 " (func_id %d): a sync-start task of %d %s blocks, but this run "
              "holds at most %d at once (%d %s); give it at most %d blocks (rt_available_%s())"
              " or drop set_require_sync_start",
              next_seq_, current_func_, n, plan->shape == kShapeAiv ? "AIV" : plan->shape == kShapeAic ? "AIC" : "MIX",
              limit, limit, plan->shape == kShapeAiv ? "AIV cores" : "clusters", limit,
              plan->shape == kShapeAiv ? "aiv_count" : "cluster_count");
        return false;
    }
    plan->sync_start = true;
    return true;
}

// The element a predicate reads, found now (its tensor may be a temporary
// of the orchestration) and checked to lie inside its tensor.
bool Orchestrator::checked_predicate(const CoreTaskArgs& args, TaskPlan* plan) {
    const CoreTaskPredicate& p = args.predicate();
    if (p.op == PredicateOp::NONE) return true;
    if (static_cast<uint8_t>(p.op) > static_cast<uint8_t>(PredicateOp::LE)) {
        fatal(PTO2_ERROR_INVALID_ARGS,
              "task #%" PRIu64 " (%s): predicate op %u is not a PredicateOp (EQ, NE, GT, "
              "LT, GE, LE)",
              next_seq_, func_text(), static_cast<unsigned>(p.op));
        return false;
    }
    const ChipTensor* t = p.operand.tensor;
    // Upstream: no tensor, or one without memory, leaves the task without
    // a predicate.
    if (t == nullptr || t->buffer.addr == 0) return true;
    const uint32_t bytes = get_element_size(t->dtype);
    uint64_t element = t->start_offset;
    bool inside = bytes != 0 && p.operand.ndims == t->ndims && t->ndims <= PTO2_MAX_TENSOR_DIMS;
    for (uint32_t i = 0; inside && i < p.operand.ndims; ++i) {
        inside = p.operand.indices[i] < t->shapes[i];
        element += static_cast<uint64_t>(p.operand.indices[i]) * t->strides[i];
    }
    if (inside) inside = (element + 1) * bytes <= t->buffer.size;
    if (!inside) {
        char where[96];
        int at = std::snprintf(where, sizeof where, "[");
        for (uint32_t i = 0; i < p.operand.ndims && i < PTO2_MAX_TENSOR_DIMS && at < 80; ++i) {
            at += std::snprintf(where + at, sizeof where - at, "%s%u", i ? ", " : "",
                                p.operand.indices[i]);
        }
        std::snprintf(where + at, sizeof where - at, "]");
        fatal(PTO2_ERROR_INVALID_ARGS,
              "task #%" PRIu64 " (%s): its predicate reads element %s (%u index(es)) of "
              "a tensor of %u dimension(s) and %" PRIu64 " bytes, past the tensor; give one index "
              "per dimension, each below its shape",
              next_seq_, func_text(), where, p.operand.ndims, t->ndims, t->buffer.size);
        return false;
    }
    plan->predicate_op = static_cast<uint8_t>(p.op);
    plan->predicate_bytes = static_cast<uint8_t>(bytes);
    plan->predicate_target = p.target;
    plan->predicate_addr = t->buffer.addr + element * bytes;
    return true;
}

// The task's ClusterTask, before its argument words.
void Orchestrator::write_cluster_task(ClusterTask* ct, const TaskPlan& plan,
                                      const CoreTaskArgs& args) {
    for (int slot = 0; slot < kSlotCount; ++slot) {
        ct->kernels[slot] = plan.kernels[slot];
        ct->func_ids[slot] = plan.func_ids[slot];
    }
    ct->block_num = plan.block_num;
    ct->slot_mask = plan.mask;
    ct->sync_start = plan.sync_start ? 1 : 0;
    ct->predicate_op = plan.predicate_op;
    ct->predicate_bytes = plan.predicate_bytes;
    ct->predicate_target = plan.predicate_target;
    ct->predicate_addr = plan.predicate_addr;
    ct->tensor_count = static_cast<uint8_t>(args.tensor_count());
    ct->written_mask = 0;
    for (int i = 0; i < args.tensor_count(); ++i) {
        const PTO2ArgKind k = args.kind(i);
        if (k == PTO2ArgKind::OUTPUT || k == PTO2ArgKind::OUTPUT_EXISTING || k == PTO2ArgKind::INOUT)
            ct->written_mask |= 1u << i;
    }
    ct->check_units_left.store(0, std::memory_order_relaxed);
    ct->scalar_count = static_cast<uint8_t>(args.scalar_count());
    ct->next_block.store(0, std::memory_order_relaxed);
    ct->units_left.store(plan.block_num * slot_count(plan.mask), std::memory_order_relaxed);
    ct->first_start_ns.store(~0ull, std::memory_order_relaxed);
    ct->last_end_ns.store(0, std::memory_order_relaxed);
}

const char* Orchestrator::func_text() {
    if (current_func_ < 0) return "a dummy task";
    std::snprintf(func_text_, sizeof func_text_, "func_id %d", current_func_);
    return func_text_;
}

int32_t Orchestrator::available(int32_t what) const {
    const int32_t clusters = v_.block->block_dim;
    return what == 0 ? clusters : clusters * PLATFORM_AIV_PER_BLOCK;
}
