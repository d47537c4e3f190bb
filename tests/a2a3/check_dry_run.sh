#!/bin/sh
# The command lines `make PLATFORM=a2a3` runs for the runtime binaries and an
# example, against a stand-in toolkit folder (tests/a2a3/fake-cann), compared
# with tests/a2a3/expected_commands.txt. Paths are made relative to the
# project; lines are sorted (make may order independent steps either way).
# UPDATE=1 rewrites the expected file from what Make prints now.
# Usage: check_dry_run.sh MAKE EXPECTED [EXAMPLE] (the example picks the
# runtime through its RUNTIME_CONFIG; vector_example by default).
set -eu
make_cmd=$1
expected=$2
example=${3:-vector_example}
root=$(pwd)
rm -rf build/a2a3-dry-run
actual=$(env -u MAKEFLAGS -u MAKELEVEL $make_cmd --no-print-directory -n -j1 V=1 PLATFORM=a2a3 CXX=g++ \
    ASCEND_HOME_PATH="$root/tests/a2a3/fake-cann" PTO_ISA_ROOT=/opt/pto-isa BUILD_ROOT=build/a2a3-dry-run \
    runtime example EXAMPLE="$example" 2>&1 |
    grep -E '^(g\+\+|[^ ]*fake-cann/)' | sed "s|$root/||g" | sort)
if [ "${UPDATE:-0}" = 1 ]; then
    printf '%s\n' "$actual" > "$expected"
    echo "check_dry_run: wrote $expected"
    exit 0
fi
if ! printf '%s\n' "$actual" | diff -u "$expected" - ; then
    echo "check_dry_run: the a2a3 command lines changed (above); if intended: UPDATE=1 sh $0 make $expected $example" >&2
    exit 1
fi
echo "ok: $(printf '%s\n' "$actual" | wc -l) command lines as expected"
rm -rf build/a2a3-dry-run
