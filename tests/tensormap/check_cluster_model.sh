#!/bin/sh
# The cluster model of tensormap_and_ringbuffer (tests/fixtures/cluster_model):
# AIC, AIV and MIX tasks of 1..96 blocks in waves, MIX blocks of two and
# three kernels, AIV and MIX blocks competing, sync-start cohorts of the
# whole device whose kernels prove they were on cores together, a cohort
# amid a stream of small tasks, predicates true and false chained, dummy
# barriers and dummy-only graphs; at 1..4 AICPU threads (one to three
# scheduler threads) over 1, 3, 5 and 8 clusters. Then each mistake a
# submit refuses, named with the task, func_id and value. Run by
# check_tensormap.sh and check_hazards_sanitized.sh (which add its counts
# to theirs), or alone.
# Usage: check_cluster_model.sh MAKE PTO_RUN [SANITIZE ENV...]
set -u
make_cmd=$1
pto_run=$2
sanitize=${3:-}
[ $# -ge 3 ] && shift 3 || shift $#
. "$(dirname "$0")/expect.sh"

cluster=tests/fixtures/cluster_model
run_env=""
artifacts=$(artifacts_of "$cluster" "$sanitize")
[ -n "$artifacts" ] || { echo "building $cluster${sanitize:+ with SANITIZE=$sanitize} failed"; exit 1; }
if [ -n "$sanitize" ]; then
    configs="4:8 2:3"
else
    configs="1:1 2:3 3:5 4:3 4:8"
fi
for cfg in $configs; do
    t=${cfg%%:*}; b=${cfg##*:}
    expect_pass "${sanitize:+$sanitize: }every cluster-model case at $t AICPU thread(s), $b cluster(s)" "$*" \
        "$cluster" --artifacts "$artifacts" --aicpu-threads "$t" --block-dim "$b"
done

# The block checker: every case passes run block by block (sync-start
# cohorts are let through unchecked, which it says).
expect_pass "${sanitize:+$sanitize: }every cluster-model case under --check-blocks at 4:8" "$*" "$cluster" \
    --artifacts "$artifacts" --aicpu-threads 4 --block-dim 8 --check-blocks

# CASE EXPECTED...: the case fails naming the error and each fragment
# (with $extra added to pto-run's arguments).
extra=""
expect_refused() {
    c=$1; shift
    # shellcheck disable=SC2086 # extra and run_env hold separate words
    out=$(env $run_env "$pto_run" "$cluster" --artifacts "$artifacts" --case "$c" --quiet --timeout 2 $extra 2>&1)
    status=$?
    missing=""
    for fragment in "$@"; do
        printf '%s' "$out" | grep -qF -- "$fragment" || missing="$missing [$fragment]"
    done
    if [ $status -ne 0 ] && [ -z "$missing" ]; then
        ok "$c refused, naming $1 and the value"
    else
        printf '%s\n' "$out" | grep -v passed
        bad "$c: expected a failure naming$missing (exit $status)"
    fi
}
if [ -z "$sanitize" ]; then
    expect_refused block_num_zero "INVALID_ARGS" "task #0 (func_id 1)" "set_block_num(0)"
    expect_refused block_num_too_big "INVALID_ARGS" "task #0 (func_id 1)" "set_block_num(40000)"
    expect_refused no_kernel "INVALID_ARGS" "task #0" "name no kernel"
    expect_refused aic_kernel_in_aiv_slot "INVALID_ARGS" "task #0 (func_id 0)" \
        "the kernel in its AIV0 slot is built for AIC"
    expect_refused sync_start_too_big "REQUIRE_SYNC_START_INVALID" "task #0 (func_id 1)" \
        "a sync-start task of 17 AIV blocks" "at most 16"
    expect_refused predicate_past_tensor "INVALID_ARGS" "task #0 (func_id 1)" "element [16]" \
        "past the tensor"
fi

if [ -z "$sanitize" ]; then
    # A hung block: the stall report names its block and the task's blocks,
    # and a block queued behind it on its worker if the scheduler had queued
    # one (pipelined dispatch: it never starts). On workers: a busy host
    # would have the schedulers run the blocks themselves.
    run_env=PTO_SIM_RUN_HERE=never
    expect_refused hung_block "PTO_ERR_TIMEOUT" "runs block 3 of 40 of task #0" \
        "task #0 has 40 block(s): 40 handed to cores, 0 waiting for a core"
    run_env=""
    if printf '%s' "$out" | grep -q "kernel_stall.cpp, for 0.0 s (not yet started by the worker)"; then
        unfinished=2
    else
        unfinished=1
    fi
    if printf '%s' "$out" | grep -qF "0 waiting for a core, $unfinished kernel(s) unfinished"; then
        ok "hung_block: $unfinished kernel(s) unfinished, as the blocks the report lists"
    else
        bad "hung_block: the unfinished count does not match the blocks the report lists"
    fi

    # Blocks overlapping by one element, found and named by the block checker.
    extra=--check-blocks
    expect_refused racy_blocks "PTO_ERR_BLOCK_RACE" "3 range(s) of bytes were changed by two blocks" \
        "task #0 (func_id 6, kernel_racy.cpp): blocks 0 and 1 both changed bytes 12..12 of tensor 'out' (element 3)" \
        "blocks 2 and 3 both changed bytes 36..36"
    extra=""
    if out=$("$pto_run" vector_example --check-blocks --quiet 2>&1); then
        bad "--check-blocks on host_build_graph was accepted"
    elif printf '%s' "$out" | grep -q "host_build_graph runs one kernel per task"; then
        ok "--check-blocks on a host_build_graph example is refused, saying why"
    else
        printf '%s\n' "$out"
        bad "--check-blocks on host_build_graph: expected the refusal"
    fi

    # A trace draws each kernel of each block on its core, the kernels of one
    # MIX block linked; the graph gives the task its blocks and slots.
    # mktemp fills in the Xs; the folder goes at the end or on any exit.
    dir=$(mktemp -d "${TMPDIR:-/tmp}/cluster-trace.XXXXXX") || exit 1
    trap 'rm -rf "$dir"' EXIT
    if "$pto_run" "$cluster" --artifacts "$artifacts" --case mix_aic_aiv1_3 --trace "$dir/t.json" \
        --graph "$dir/g.dot" --quiet >/dev/null 2>&1 &&
        python3 - "$dir/t.json" <<'PY' && grep -q '3 block(s), AIC+AIV1' "$dir/g.dot"
import json, sys
events = json.load(open(sys.argv[1]))["traceEvents"]
spans = sorted((e["args"]["block"], e["args"]["slot"], e["name"]) for e in events
               if e.get("cat") == "block" and e["ph"] == "X")
want = sorted((b, slot, f"{kernel} [{b}/3]") for b in range(3)
              for slot, kernel in (("AIC", "kernel_mark_aic"), ("AIV1", "kernel_mark_aiv")))
links = [e for e in events if e.get("cat") == "block" and e["ph"] == "s"]
assert spans == want, spans
assert len(links) == 3, links
PY
    then
        ok "a trace has a span per kernel of each block (6), the MIX blocks linked; the graph says 3 block(s), AIC+AIV1"
    else
        bad "trace or graph of mix_aic_aiv1_3 (in $dir)"
    fi
    # A block task's arrows start and end on its spans; each block kernel
    # has its dispatch instant; a hung run's trace keeps what finished.
    if "$pto_run" "$cluster" --artifacts "$artifacts" --case dummies --trace "$dir/d.json" \
        --quiet >/dev/null 2>&1 &&
        PTO_SIM_RUN_HERE=never "$pto_run" "$cluster" --artifacts "$artifacts" --case hung_block --timeout 1 \
            --trace "$dir/h.json" --quiet >/dev/null 2>&1
    [ $? -ne 0 ] && python3 - "$dir/d.json" "$dir/h.json" <<'PY'
import json, sys
events = json.load(open(sys.argv[1]))["traceEvents"]
spans = [e for e in events if e["ph"] == "X"]
ends = [e for e in events if e["ph"] in ("s", "f") and e["cat"] == "dependency"]
assert ends, "no dependency arrows"
for e in ends:
    assert any(s["tid"] == e["tid"] and s["ts"] - 0.01 <= e["ts"] <= s["ts"] + s["dur"] + 0.01
               for s in spans), e
blocks = [e for e in spans if e.get("cat") == "block"]
dispatches = [e for e in events if e.get("cat") == "dispatch" and "[" in e["name"]]
assert len(dispatches) == len(blocks), (len(dispatches), len(blocks))
hung = json.load(open(sys.argv[2]))["traceEvents"]
# 39 finished blocks, or 38 when one was queued behind the hung one.
assert len([e for e in hung if e.get("cat") == "block" and e["ph"] == "X"]) in (38, 39)
PY
    then
        ok "trace arrows start and end on block spans; a dispatch instant per block kernel; a hung run's trace keeps its finished blocks (all but the hung one and any queued behind it)"
    else
        bad "trace of dummies / hung_block (in $dir)"
    fi
    rm -rf "$dir"
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
