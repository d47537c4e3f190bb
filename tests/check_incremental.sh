#!/bin/sh
# After a build, a dry run of the same build must list no compiler or linker
# invocation: nothing is rebuilt when nothing changed.
set -eu
make_cmd=$1 platform=$2 runtime=$3
for target in "runtime" "example EXAMPLE=vector_example"; do
    # shellcheck disable=SC2086
    $make_cmd --no-print-directory PLATFORM="$platform" RUNTIME="$runtime" $target >/dev/null
    # shellcheck disable=SC2086
    out=$($make_cmd --no-print-directory -n V=1 PLATFORM="$platform" RUNTIME="$runtime" $target)
    if printf '%s\n' "$out" | grep -Eq '(g\+\+|clang\+\+|c\+\+|example_config\.py)'; then
        echo "check_incremental: 'make $target' would rebuild with nothing changed:" >&2
        printf '%s\n' "$out" >&2
        exit 1
    fi
    echo "nothing to rebuild: make $target"
done
