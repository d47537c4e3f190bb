#!/bin/sh
# tensormap_and_ringbuffer's hazard scenarios under a sanitizer (make
# check-asan, make check-tsan): discovery through views and aliases, memory kept past its
# scope while a heap of 64 KiB wraps under it, many producers, rings of 8
# tasks wrapping, named deadlocks and the cluster model's cases, at two
# thread configurations, built
# with SANITIZE and run with the sanitizer runtime preloaded into pto-run.
# Usage: check_hazards_sanitized.sh MAKE PTO_RUN SANITIZE ENV...
set -u
make_cmd=$1
pto_run=$2
sanitize=$3
shift 3
. "$(dirname "$0")/expect.sh"

hazards=tests/fixtures/tensormap_hazards
artifacts=$(artifacts_of "$hazards" "$sanitize")
[ -n "$artifacts" ] || { echo "building $hazards with SANITIZE=$sanitize failed"; exit 1; }
for cfg in 4:6 2:1; do
    t=${cfg%%:*}; b=${cfg##*:}
    for c in raw war waw partial inout_chain write_after_two_readers column_blocks get_tensor_data \
        nested_scopes many_producers aliased_descriptors manual_then_get; do
        expect_pass "$sanitize: $c at $t:$b" "$*" "$hazards" --artifacts "$artifacts" --case "$c" \
            --aicpu-threads "$t" --block-dim "$b"
    done
    expect_pass "$sanitize: memory outlives its scope at $t:$b (heap 64 KiB)" "$* PTO2_RING_HEAP=64K" \
        "$hazards" --artifacts "$artifacts" --case memory_outlives_scope --aicpu-threads "$t" \
        --block-dim "$b"
done
vector=kernels/vector_example_tensormap
vector_artifacts=$(artifacts_of "$vector" "$sanitize")
expect_pass "$sanitize: $vector streamed through rings of 8 tasks (window 8, heap 64 KiB)" \
    "$* PTO2_RING_TASK_WINDOW=8 PTO2_RING_HEAP=64K" "$vector" --artifacts "$vector_artifacts" \
    --case stream --aicpu-threads 4 --block-dim 6
# The schedulers running every single-core unit themselves (as on a busy
# host), the orchestrator stepping its scheduler in a one-thread launch.
for cfg in 1:1 3:2; do
    t=${cfg%%:*}; b=${cfg##*:}
    expect_pass "$sanitize: $vector streamed, the schedulers running the units, at $t:$b" \
        "$* PTO_SIM_RUN_HERE=always PTO2_RING_TASK_WINDOW=8 PTO2_RING_HEAP=64K" "$vector" \
        --artifacts "$vector_artifacts" --case stream --aicpu-threads "$t" --block-dim "$b"
done
set -- "$@"
expect_error scope_deadlock SCOPE_DEADLOCK "$@" PTO2_RING_TASK_WINDOW=8
expect_error heap_ring_deadlock HEAP_RING_DEADLOCK "$@" PTO2_RING_HEAP=64K
expect_error dep_pool_overflow DEP_POOL_OVERFLOW "$@" PTO2_RING_DEP_POOL=4

# The cluster model's cases (cohorts, MIX, waves, predicates, dummies).
cluster_out=$(sh "$(dirname "$0")/check_cluster_model.sh" "$make_cmd" "$pto_run" "$sanitize" "$@" 2>&1)
printf '%s\n' "$cluster_out" | grep -v '^[0-9]* passed, [0-9]* failed$'
passed=$((passed + $(printf '%s\n' "$cluster_out" | grep -c '^ok:')))
failed=$((failed + $(printf '%s\n' "$cluster_out" | grep -c '^FAILED')))

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
