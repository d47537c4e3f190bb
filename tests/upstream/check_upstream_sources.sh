#!/bin/sh
# Upstream scene-test folders' own sources against this tree's headers
# (../shared/third_party/simpler, unmodified): every kernel compiles for its
# core type with the flags a2a3sim builds PTO-ISA kernels with, and every
# orchestration compiles (check_scene_tests.sh runs the folders).
# Usage: sh check_upstream_sources.sh MAKE
set -u
MAKE=${1:?usage: check_upstream_sources.sh MAKE}
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

echo "== upstream orchestrations compile"
before=$passed
for f in $(find "$simpler/examples/$tmr" "$simpler/tests/st/$tmr" -path '*/kernels/orchestration/*' \
    -name '*.cpp' | sort); do
    # shellcheck disable=SC2086
    if (cd "$root" && $orch_cxx -fsyntax-only "$f") >"$log" 2>&1; then
        pass
    else
        head -5 "$log"
        fail "orchestration ${f#"$simpler"/}"
    fi
done
echo "   $((passed - before)) orchestration(s) compiled"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
