#!/bin/sh
# Upstream scene tests, unmodified from ../shared/third_party/simpler, through
# all three entry points: pto-run <folder>, make run EXAMPLE=<folder>,
# python <folder>/test_x.py -p a2a3sim, and pytest <folders> --platform
# a2a3sim (the project's plugin, no conftest.py); the 14 folders of the
# cluster model through pto-run, and some through the others. Then the bad inputs
# (check_scene_bad_input.py). Needs torch (make deps installs a CPU build):
# without it, one line says so and the suite is skipped.
# Usage: sh check_scene_tests.sh MAKE PTO_RUN
set -u
MAKE=${1:?usage: check_scene_tests.sh MAKE PTO_RUN}
PTO_RUN=${2:?usage: check_scene_tests.sh MAKE PTO_RUN}
root=$(cd "$(dirname "$0")/../.." && pwd)
simpler=${PTO_UPSTREAM_SIMPLER:-$root/../shared/third_party/simpler}
tmr=a2a3/tensormap_and_ringbuffer
ex=$simpler/examples/$tmr
st=$simpler/tests/st/$tmr
PYTHON=${PYTHON:-python3}
if [ ! -d "$ex" ]; then
    echo "scene tests skipped: $ex is not there (set PTO_UPSTREAM_SIMPLER)"
    echo "0 passed, 0 failed"
    exit 0
fi
if ! "$PYTHON" -c 'import torch' >/dev/null 2>&1; then
    echo "scene tests skipped: torch is not installed for $PYTHON; make deps installs a CPU build"
    echo "0 passed, 0 failed"
    exit 0
fi
# The project's package registered for this tree (make deps does it; a
# clone elsewhere may have registered its own).
PYTHON=$PYTHON sh "$root/tools/install_deps.sh" >/dev/null || exit 1
# Nothing is written into the upstream folders.
export PYTHONDONTWRITEBYTECODE=1
passed=0
failed=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT
check() {
    what=$1
    shift
    if "$@" >"$log" 2>&1; then
        passed=$((passed + 1))
        echo "PASS $what"
    else
        tail -30 "$log"
        failed=$((failed + 1))
        echo "FAIL $what (exit $?)"
    fi
}

# One case each keeps the suite short; make check's examples and the
# manual runs cover the rest.
for spec in "$ex/vector_example|default" "$st/heap_empty_ring_rebase|EmptyRingRebase" \
    "$ex/paged_attention|CaseSmall1" "$ex/paged_attention_manual_scope|CaseVarSeq2"; do
    folder=${spec%%|*}
    case_name=${spec##*|}
    name=$(basename "$folder")
    echo "== $name ($case_name)"
    check "$name through pto-run" "$PTO_RUN" "$folder" --case "$case_name" --manual --quiet
    check "$name through make run" $MAKE -C "$root" --no-print-directory -s run EXAMPLE="$folder" \
        "PTO_RUN_FLAGS=--case $case_name --manual --quiet"
    check "$name through python test_*.py" "$PYTHON" "$folder"/test_*.py -p a2a3sim \
        --case "$case_name" --manual
done

echo "== pytest on the four folders (the project's plugin)"
check "pytest --platform a2a3sim" "$PYTHON" -m pytest -p no:cacheprovider -q \
    "$ex/vector_example" "$st/heap_empty_ring_rebase" "$ex/paged_attention" \
    "$ex/paged_attention_manual_scope" --platform a2a3sim --case default --case EmptyRingRebase \
    --case CaseSmall1 --case CaseVarSeq2 --manual
# Without --platform, scene tests are skipped with the reason.
if "$PYTHON" -m pytest -p no:cacheprovider -q -rs "$ex/vector_example" >"$log" 2>&1 &&
    grep -q -- "--platform required" "$log"; then
    passed=$((passed + 1))
    echo "PASS pytest without --platform skips, saying --platform is required"
else
    cat "$log"
    failed=$((failed + 1))
    echo "FAIL pytest without --platform"
fi

echo "== the cluster-model folders (MIX, SPMD blocks, sync start, predicates, dummies)"
# Each at its own configuration (upstream's 4 AICPU threads, or the case's
# aicpu_thread_num), manual cases included; the 11 that leave the threads
# open also at 2 (one scheduler thread over 8 clusters), four of them at 3
# (two scheduler threads: 4 and 4).
for name in mixed_example dummy_task predicated_dispatch spmd_basic spmd_multiblock_aiv \
    spmd_multiblock_mix spmd_starvation spmd_batch_dispatch_oob available_aicore_counts \
    spmd_sync_start spmd_sync_start_aiv spmd_sync_start_early_dispatch spmd_sync_start_edge \
    spmd_sync_start_mix_spill; do
    check "$name through pto-run" "$PTO_RUN" "$st/$name" --manual --quiet
done
for name in mixed_example spmd_basic spmd_multiblock_aiv spmd_multiblock_mix spmd_starvation \
    spmd_batch_dispatch_oob available_aicore_counts spmd_sync_start spmd_sync_start_aiv \
    spmd_sync_start_early_dispatch spmd_sync_start_edge; do
    check "$name through pto-run, --aicpu-threads 2" "$PTO_RUN" "$st/$name" --manual --quiet \
        --aicpu-threads 2
done
for name in spmd_multiblock_aiv spmd_multiblock_mix spmd_starvation spmd_sync_start_edge; do
    check "$name through pto-run, --aicpu-threads 3" "$PTO_RUN" "$st/$name" --manual --quiet \
        --aicpu-threads 3
done
check "spmd_basic through make run" $MAKE -C "$root" --no-print-directory -s run \
    EXAMPLE="$st/spmd_basic" "PTO_RUN_FLAGS=--quiet"
check "spmd_multiblock_mix through python test_*.py" "$PYTHON" "$st/spmd_multiblock_mix"/test_*.py \
    -p a2a3sim
check "pytest on three cluster folders" "$PYTHON" -m pytest -p no:cacheprovider -q \
    "$st/dummy_task" "$st/predicated_dispatch" "$st/spmd_sync_start" --platform a2a3sim --manual

echo "== bad scene tests"
out=$("$PYTHON" "$root/tests/upstream/check_scene_bad_input.py" "$PTO_RUN" "$ex/vector_example" 2>&1)
code=$?
echo "$out" | grep -v '^[0-9]* passed, [0-9]* failed$'
passed=$((passed + $(echo "$out" | grep -c '^ok:')))
failed=$((failed + $(echo "$out" | grep -c '^FAIL')))
if [ "$code" -ne 0 ] && ! echo "$out" | grep -q '^FAIL'; then
    failed=$((failed + 1))
    echo "FAIL check_scene_bad_input.py ended with exit $code"
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
