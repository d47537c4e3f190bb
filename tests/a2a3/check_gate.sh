#!/bin/sh
# PLATFORM=a2a3 without a usable toolkit: one line naming what is missing,
# exit status 1, and nothing built.
set -u
make_cmd=$1
root=build/a2a3-gate-check
rm -rf "$root"
check() {
    expected_text=$1
    shift
    out=$(env -u MAKEFLAGS -u MAKELEVEL "$@" $make_cmd --no-print-directory PLATFORM=a2a3 BUILD_ROOT=$root \
        run EXAMPLE=vector_example 2>&1)
    status=$?
    lines=$(printf '%s\n' "$out" | grep -c .)
    if [ "$status" -ne 1 ] || [ "$lines" -ne 1 ] || ! printf '%s' "$out" | grep -q "$expected_text"; then
        echo "check_gate: expected one line with '$expected_text' and exit 1, got exit $status:" >&2
        printf '%s\n' "$out" >&2
        exit 1
    fi
    if [ -e "$root" ]; then
        echo "check_gate: $root was created; nothing may be built without the toolkit" >&2
        exit 1
    fi
    echo "ok: $out"
}
check "set ASCEND_HOME_PATH to it" env -u ASCEND_HOME_PATH
check "ASCEND_HOME_PATH=/nonexistent has no bin/ccec" env ASCEND_HOME_PATH=/nonexistent
