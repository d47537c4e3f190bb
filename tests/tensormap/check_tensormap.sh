#!/bin/sh
# The tensormap_and_ringbuffer suite (its runtime.mk's CHECK_SCRIPT; its
# examples at their thread/block pairs run in check-examples): the examples
# through tiny rings and on one AICPU thread, dependency discovery scenarios
# whose kernels act late enough that a missed edge changes the result, the
# serialised switch, ring sizes through the C API, every named
# orchestration error, and the cluster model (check_cluster_model.sh).
# Usage: check_tensormap.sh MAKE PTO_RUN EXAMPLES...
set -u
make_cmd=$1
pto_run=$2
shift 2
. "$(dirname "$0")/expect.sh"

# Tiny rings: every example scopes its work finely enough to stream through
# a window of 8 (the vector stream case: 16384 tasks in 4096 scopes).
for ex in "$@"; do
    artifacts=$(artifacts_of "$ex")
    expect_pass "$ex with tiny rings (window 8, heap 64 KiB)" \
        "PTO2_RING_TASK_WINDOW=8 PTO2_RING_HEAP=64K" "$ex" --artifacts "$artifacts"
done

# A window of 256 keeps little live, so an 8 MiB heap starts its laps early
# (past 4 MiB, once the bytes below the oldest live piece outnumber the
# live ones): results stay right while new pieces reuse the lap's start.
for ex in "$@"; do
    artifacts=$(artifacts_of "$ex")
    expect_pass "$ex with window 256 and an 8 MiB heap (laps restart early)" \
        "PTO2_RING_TASK_WINDOW=256 PTO2_RING_HEAP=8M" "$ex" --artifacts "$artifacts"
done

# One AICPU thread orchestrates and schedules: it steps its scheduler while
# it waits for room, so tiny rings drain with no second thread.
for ex in "$@"; do
    artifacts=$(artifacts_of "$ex")
    expect_pass "$ex with tiny rings on one AICPU thread" "PTO2_RING_TASK_WINDOW=8 PTO2_RING_HEAP=64K" \
        "$ex" --artifacts "$artifacts" --aicpu-threads 1 --block-dim 1
done

vector=kernels/vector_example_tensormap
vector_artifacts=$(artifacts_of "$vector")
artifacts=$vector_artifacts
expect_pass "PTO2_ORCH_SERIAL=1 runs the orchestration before any task" "PTO2_ORCH_SERIAL=1" \
    "$vector" --artifacts "$artifacts" --case square

# The graph as it ran: 3 blocks of add -> 2 x add_scalar -> mul.
graph=${TMPDIR:-/tmp}/tensormap-graph.$$.dot
if "$pto_run" "$vector" --artifacts "$artifacts" --case ragged --graph "$graph" --quiet >/dev/null 2>&1 &&
    [ "$(grep -c -- '->' "$graph")" = 12 ]; then
    ok "--graph exports the 12 discovered edges of the ragged case"
else
    bad "--graph of the ragged case (expected 12 edges, got $(grep -c -- '->' "$graph" 2>/dev/null))"
fi
rm -f "$graph"

hazards=tests/fixtures/tensormap_hazards
artifacts=$(artifacts_of "$hazards")
for cfg in 3:2 4:3 2:1; do
    t=${cfg%%:*}; b=${cfg##*:}
    for c in raw war waw partial inout_chain write_after_two_readers manual_explicit column_blocks \
        reshape get_tensor_data nested_scopes many_producers manual_then_auto manual_then_get \
        aliased_descriptors; do
        expect_pass "discovery: $c at $t:$b" "" "$hazards" --artifacts "$artifacts" --case "$c" \
            --aicpu-threads "$t" --block-dim "$b"
    done
done

# 64 producers of one task, 16 named again as explicit edges: 64 edges.
graph=${TMPDIR:-/tmp}/tensormap-producers.$$.dot
if "$pto_run" "$hazards" --artifacts "$artifacts" --case many_producers --graph "$graph" --quiet >/dev/null 2>&1 &&
    [ "$(grep -c -- '->' "$graph")" = 64 ]; then
    ok "--graph of many_producers has each of the 64 producers once"
else
    bad "--graph of many_producers (expected 64 edges, got $(grep -c -- '->' "$graph" 2>/dev/null))"
fi
rm -f "$graph"

# Memory made in a scope that has ended stays put while a slow task still
# uses it: a 64 KiB heap wraps four times under that task.
for cfg in 3:2 4:3 1:1; do
    t=${cfg%%:*}; b=${cfg##*:}
    expect_pass "memory outlives its scope at $t:$b (heap 64 KiB)" "PTO2_RING_HEAP=64K" "$hazards" \
        --artifacts "$artifacts" --case memory_outlives_scope --aicpu-threads "$t" --block-dim "$b"
done

# Scopes nearly as large as a window of 16: every wait for room ends at the
# previous scope's retirement, short of a batch.
expect_pass "scopes of 14 slow tasks through a window of 16" "PTO2_RING_TASK_WINDOW=16" "$hazards" \
    --artifacts "$artifacts" --case scopes_near_window --aicpu-threads 3 --block-dim 4

# A request of most of the heap, after the heap has drained: it fits.
expect_pass "a 60 KiB output fits a drained 64 KiB heap" "PTO2_RING_HEAP=64K" "$hazards" \
    --artifacts "$artifacts" --case heap_refill_after_drain

expect_error scope_deadlock SCOPE_DEADLOCK PTO2_RING_TASK_WINDOW=8
expect_error heap_too_small HEAP_RING_DEADLOCK PTO2_RING_HEAP=64K
expect_error heap_ring_deadlock HEAP_RING_DEADLOCK PTO2_RING_HEAP=64K
expect_error dep_pool_overflow DEP_POOL_OVERFLOW PTO2_RING_DEP_POOL=4
expect_error tensormap_overflow TENSORMAP_OVERFLOW PTO2_TENSORMAP_ENTRIES=16
expect_error invalid_view INVALID_ARGS PTO2_ORCH_SERIAL=0
expect_error explicit_fatal EXPLICIT_ORCH_FATAL PTO2_ORCH_SERIAL=0
expect_error flow_control_deadlock FLOW_CONTROL_DEADLOCK PTO2_RING_TASK_WINDOW=8
# Runtime memory used after the task that made it retired; views and outputs
# whose sizes overflow 64 bits.
expect_error output_after_scope INVALID_ARGS PTO2_RING_HEAP=64K
expect_error get_ref_after_scope INVALID_ARGS PTO2_RING_HEAP=64K
expect_error get_tensor_data_after_scope INVALID_ARGS PTO2_RING_HEAP=64K
# The same mistake with the default rings, nothing wrapped: refused at submit.
expect_error output_after_scope_default_rings INVALID_ARGS PTO2_ORCH_SERIAL=0
expect_error view_overflow INVALID_ARGS PTO2_ORCH_SERIAL=0
expect_error output_overflow INVALID_ARGS PTO2_ORCH_SERIAL=0
expect_error set_tensor_data_before_start INVALID_ARGS PTO2_ORCH_SERIAL=0
expect_error get_tensor_data_before_start INVALID_ARGS PTO2_ORCH_SERIAL=0
expect_error no_kernel INVALID_ARGS PTO2_ORCH_SERIAL=0
expect_error alloc_no_tensor INVALID_ARGS PTO2_ORCH_SERIAL=0
expect_error unmatched_scope_end INVALID_ARGS PTO2_ORCH_SERIAL=0
expect_error scope_left_open INVALID_ARGS PTO2_ORCH_SERIAL=0
# Calls from a thread the orchestration started: while it runs, and after it
# returned (while a slow task keeps the run going); each names the call.
for c in "submit_from_thread:while the orchestration ran" \
    "submit_after_return:after the orchestration had returned"; do
    name=${c%%:*} when=${c#*:}
    out=$("$pto_run" "$hazards" --artifacts "$artifacts" --case "$name" --quiet 2>&1)
    if printf '%s' "$out" | grep -qF "INVALID_ARGS: rt_submit_task was called from a thread the orchestration started, $when"; then
        ok "$name: the call from another thread is refused, naming it"
    else
        printf '%s\n' "$out"
        bad "$name: expected INVALID_ARGS naming rt_submit_task ($when)"
    fi
done
expect_error mix_aiv_kernel_in_aic_slot INVALID_ARGS PTO2_ORCH_SERIAL=0
expect_error aiv_kernel_as_aic INVALID_ARGS PTO2_ORCH_SERIAL=0
# An orchestration that never returns after its last submit: the device's
# schedulers report it at the run's timeout (not the host's later bound),
# saying so, and the device is reset to end its thread.
out=$("$pto_run" "$hazards" --artifacts "$artifacts" --case spins_after_last_submit --timeout 2 \
    --quiet 2>&1)
if printf '%s' "$out" | grep -q "PTO_ERR_TIMEOUT): the run made no progress for 2.0 s and was stopped" &&
    printf '%s' "$out" | grep -q "diagnosis: the orchestration never returned" &&
    printf '%s' "$out" | grep -q "the simulated device was reset to stop it"; then
    ok "an orchestration spinning after its last submit is reported at the timeout"
else
    printf '%s\n' "$out"
    bad "spins_after_last_submit: expected a timeout naming the orchestration"
fi
# An orchestration that ends the device: named, with the line of its call
# or of the faulting instruction (what: an extended regular expression).
orch_source=$(cd "$hazards" && pwd)/kernels/orchestration/hazards_orch.cpp
for c in "orchestration_aborts:abort\(\) was called" "orchestration_exits:exit\(\) was called" \
    "orchestration_faults:SIGSEGV came \(data address 0x10\)" \
    "orchestration_overflows_stack:SIGSEGV came \(data address 0x[0-9a-f]+\)"; do
    name=${c%%:*} what=${c#*:}
    line=$(grep -n "hazards: $name" "$orch_source" | cut -d: -f1)
    out=$("$pto_run" "$hazards" --artifacts "$artifacts" --case "$name" --quiet 2>&1)
    if printf '%s' "$out" | grep -q "PTO_ERR_DEVICE_LOST" &&
        printf '%s' "$out" |
        grep -qE "$what from the orchestration aicpu_orchestration_entry \(hazards_orch\.cpp\)" &&
        printf '%s' "$out" | grep -qF "in the orchestration at: $orch_source:$line in "; then
        ok "$name: the orchestration and its line named"
    else
        printf '%s\n' "$out"
        bad "$name: expected the orchestration named at line $line"
    fi
done
# Ring sizes through the C API (pto_set_ring_sizes, which pto-run's --ring-*
# options call): a stream through a window of 8, the deadlock a window of 8
# makes (its report says the size in force), and a size out of range named.
expect_pass "rings of 8 tasks and 64 KiB through pto_set_ring_sizes" "" "$vector" \
    --artifacts "$vector_artifacts" --case stream --ring-task-window 8 --ring-heap 64K
out=$("$pto_run" "$hazards" --artifacts "$artifacts" --case scope_deadlock --ring-task-window 8 \
    --quiet 2>&1)
if printf '%s' "$out" | grep -q "SCOPE_DEADLOCK" && printf '%s' "$out" | grep -q "task window 8,8,8,8"; then
    ok "scope_deadlock with --ring-task-window 8 (set through the C API)"
else
    printf '%s\n' "$out"
    bad "scope_deadlock with --ring-task-window 8: expected SCOPE_DEADLOCK and the window in force"
fi
out=$("$pto_run" "$vector" --artifacts "$vector_artifacts" --case square --ring-task-window 6 \
    --quiet 2>&1)
if printf '%s' "$out" | grep -q "task_window\[0\] = 6: give a power of two"; then
    ok "a window of 6 through pto_set_ring_sizes is refused naming the field"
else
    printf '%s\n' "$out"
    bad "--ring-task-window 6: expected task_window[0] named"
fi

# The same wait, serialised: nothing can run before the orchestration returns.
expect_error get_tensor_data TENSOR_WAIT_TIMEOUT PTO2_ORCH_SERIAL=1

# The cluster model: its own script, its counts added to these.
cluster_out=$(sh "$(dirname "$0")/check_cluster_model.sh" "$make_cmd" "$pto_run" 2>&1)
printf '%s\n' "$cluster_out" | grep -v '^[0-9]* passed, [0-9]* failed$'
passed=$((passed + $(printf '%s\n' "$cluster_out" | grep -c '^ok:')))
failed=$((failed + $(printf '%s\n' "$cluster_out" | grep -c '^FAILED')))

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
