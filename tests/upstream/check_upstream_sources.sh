#!/bin/sh
# Upstream scene-test folders' own sources against this tree's headers
# (../shared/third_party/simpler, unmodified): every kernel compiles for its
# core type with the flags a2a3sim builds PTO-ISA kernels with; the
# orchestrations that use no cluster call (MIX, blocks, predicates, dummy
# tasks) compile; and two folders' orchestrations and kernels run through
# pto-run against their goldens (tests/fixtures/upstream_sources/).
# Usage: sh check_upstream_sources.sh MAKE PTO_RUN
set -u
MAKE=${1:?usage: check_upstream_sources.sh MAKE PTO_RUN}
PTO_RUN=${2:?usage: check_upstream_sources.sh MAKE PTO_RUN}
root=$(cd "$(dirname "$0")/../.." && pwd)
simpler=${PTO_UPSTREAM_SIMPLER:-$root/../shared/third_party/simpler}
tmr=a2a3/tensormap_and_ringbuffer
if [ ! -d "$simpler/examples/$tmr" ]; then
    echo "upstream sources skipped: $simpler/examples/$tmr is not there (set PTO_UPSTREAM_SIMPLER)"
    echo "0 passed, 0 failed"
    exit 0
fi
passed=0
failed=0
pass() { passed=$((passed + 1)); }
fail() { echo "FAIL $1"; failed=$((failed + 1)); }

flags() {
    $MAKE -C "$root" -s --no-print-directory RUNTIME=tensormap_and_ringbuffer \
        --eval "print-flags: ; @echo $1" print-flags
}
kernel_cxx=$(flags '$(PTO_CXX) $(PTO_KERNEL_CXXFLAGS)')
orch_cxx=$(flags '$(ORCH_CXX) $(ORCH_CXXFLAGS) $(ORCH_INCLUDES)')
[ -n "$kernel_cxx" ] && [ -n "$orch_cxx" ] || { echo "could not read the build flags"; exit 1; }

echo "== upstream kernels: every one compiles for its core type"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
for f in $(find "$simpler/examples/$tmr" "$simpler/tests/st/$tmr" -path '*/kernels/*' -name '*.cpp' \
    ! -path '*/orchestration/*' | sort); do
    case $f in */aic/*) core=-D__DAV_CUBE__ ;; *) core=-D__DAV_VEC__ ;; esac
    # shellcheck disable=SC2086
    if (cd "$root" && $kernel_cxx $core -I"$(dirname "$f")" -fsyntax-only "$f") >"$log" 2>&1; then
        pass
    else
        head -5 "$log"
        fail "kernel ${f#"$simpler"/}"
    fi
done
echo "   $passed kernel(s) compiled"

echo "== upstream orchestrations without cluster calls compile"
before=$passed
for name in examples/$tmr/vector_example examples/$tmr/scalar_data examples/$tmr/paged_attention \
    examples/$tmr/paged_attention_manual_scope tests/st/$tmr/heap_empty_ring_rebase \
    tests/st/$tmr/alternating_matmul_add; do
    for f in "$simpler/$name"/kernels/orchestration/*.cpp; do
        # shellcheck disable=SC2086
        if (cd "$root" && $orch_cxx -fsyntax-only "$f") >"$log" 2>&1; then
            pass
        else
            head -5 "$log"
            fail "orchestration ${f#"$simpler"/}"
        fi
    done
done
echo "   $((passed - before)) orchestration(s) compiled"

echo "== upstream folders' sources run against their goldens"
fixtures=$root/tests/fixtures/upstream_sources
# The runner's own PASS lines and counts go to the log (shown on failure):
# the suite counts each folder once.
run_fixture() {
    what=$1
    shift
    if "$PTO_RUN" "$@" --kernel-source source --quiet >"$log" 2>&1; then
        pass
        echo "PASS $what"
    else
        cat "$log"
        fail "$what"
    fi
}
run_fixture "upstream vector_example's sources" "$fixtures/vector_example"
run_fixture "upstream heap_empty_ring_rebase's sources (ring 1's heap 1.5 MiB)" \
    "$fixtures/heap_empty_ring_rebase" --ring-heap 268435456,1572864,268435456,268435456

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
