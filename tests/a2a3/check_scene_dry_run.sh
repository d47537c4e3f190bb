#!/bin/sh
# Upstream scene-test folders that run on the device only (scalar_data,
# alternating_matmul_add: no a2a3sim case) build for a2a3: the dry run of
# `make PLATFORM=a2a3 example EXAMPLE=<folder>` against the stand-in toolkit
# compiles each incore of the test's CALLABLE with ccec for its core type and
# the orchestration for the AICPU. Their paths are outside the project, so
# the lines are counted, not compared. Skipped (one line) without
# ../shared/third_party/simpler or torch.
# Usage: check_scene_dry_run.sh MAKE
set -u
make_cmd=$1
root=$(pwd)
simpler=${PTO_UPSTREAM_SIMPLER:-$root/../shared/third_party/simpler}
tmr=a2a3/tensormap_and_ringbuffer
if [ ! -d "$simpler/examples/$tmr" ] || ! python3 -c 'import torch' >/dev/null 2>&1; then
    echo "a2a3 scene-test dry runs skipped: no $simpler/examples/$tmr, or no torch (make deps)"
    exit 0
fi
simpler=$(cd "$simpler" && pwd)
status=0
for spec in "examples/$tmr/scalar_data|2|0" "tests/st/$tmr/alternating_matmul_add|1|1"; do
    folder=$simpler/${spec%%|*}
    rest=${spec#*|}
    aiv=${rest%%|*}
    aic=${rest##*|}
    out=$(env -u MAKEFLAGS -u MAKELEVEL PYTHONDONTWRITEBYTECODE=1 $make_cmd --no-print-directory -n -j1 V=1 \
        PLATFORM=a2a3 CXX=g++ ASCEND_HOME_PATH="$root/tests/a2a3/fake-cann" PTO_ISA_ROOT=/opt/pto-isa \
        BUILD_ROOT=build/a2a3-scene-dry-run example EXAMPLE="$folder" 2>&1)
    code=$?
    got_aiv=$(printf '%s\n' "$out" | grep -c 'fake-cann/bin/ccec .*dav-c220-vec.*'"$folder")
    got_aic=$(printf '%s\n' "$out" | grep -c 'fake-cann/bin/ccec .*dav-c220-cube.*'"$folder")
    got_orch=$(printf '%s\n' "$out" | grep -c "g++ .*$folder/kernels/orchestration/")
    if [ "$code" -eq 0 ] && [ "$got_aiv" -eq "$aiv" ] && [ "$got_aic" -eq "$aic" ] && [ "$got_orch" -ge 1 ]; then
        echo "ok: $(basename "$folder") builds for a2a3 ($aic AIC and $aiv AIV kernel(s) with ccec, the orchestration)"
    else
        printf '%s\n' "$out" | grep -E 'rror|ccec' | tail -10
        echo "check_scene_dry_run: $(basename "$folder"): exit $code, $got_aic AIC / $got_aiv AIV ccec line(s) (expected $aic / $aiv), $got_orch orchestration line(s)" >&2
        status=1
    fi
done
rm -rf build/a2a3-scene-dry-run
exit $status
