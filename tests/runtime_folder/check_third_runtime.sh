#!/bin/sh
# A runtime is a folder: adds a third runtime (serial_graph, in
# tests/fixtures/third_runtime/) to a copy of this tree the way
# docs/design/adding-a-runtime.md says, touching nothing outside its folder
# but an example under kernels/, then checks that
#   - make builds its three binaries and the device program,
#   - make check's lists pick up its declarations (examples, pairs),
#   - pto-run runs its example against the golden at its pairs,
#   - its scheduler is the one that ran: the trace shows no two tasks at once
#     (bgemm's tiles overlap under host_build_graph at the same pair),
# and removes the copy. Usage: sh check_third_runtime.sh MAKE PTO_RUN
set -eu
MAKE=${1:?usage: check_third_runtime.sh MAKE PTO_RUN}
PTO_RUN=${2:?usage: check_third_runtime.sh MAKE PTO_RUN}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
fixture=$root/tests/fixtures/third_runtime

copy=$(mktemp -d "${TMPDIR:-/tmp}/pto-third-runtime.XXXXXX")
trap 'rm -rf "$copy"' EXIT INT TERM
passed=0
failed=0
pass() { echo "PASS $1"; passed=$((passed + 1)); }
fail() { echo "FAIL $1"; failed=$((failed + 1)); }

# The tree as a clone has it (tracked and new files, no build output).
if git -C "$root" rev-parse --git-dir >/dev/null 2>&1; then
    (cd "$root" && git ls-files -z --cached --others --exclude-standard) |
        (cd "$root" && xargs -0 tar -cf - --no-recursion) | tar -xf - -C "$copy"
else
    (cd "$root" && tar -cf - --exclude=./build --exclude=./.build ./) | tar -xf - -C "$copy"
fi
[ -e "$copy/runtime/serial_graph" ] && { echo "the copy already has runtime/serial_graph"; exit 1; }
# The tree's dependencies are checked already: the copy must not register
# its own Python package (make deps would point this Python at the copy,
# which is removed at the end).
mkdir -p "$copy/build" && touch "$copy/build/.deps-ok"
cp -R "$fixture/runtime/serial_graph" "$copy/runtime/"
cp -R "$fixture/kernels/serial_bgemm" "$copy/kernels/"

echo "== third runtime: build (make RUNTIME=serial_graph runtime)"
if $MAKE -C "$copy" --no-print-directory -s RUNTIME=serial_graph runtime >"$copy/build.log" 2>&1 &&
    [ -f "$copy/build/a2a3sim/serial_graph/libpto_host.so" ] &&
    [ -f "$copy/build/a2a3sim/serial_graph/libpto_aicpu.so" ] &&
    [ -f "$copy/build/a2a3sim/serial_graph/libpto_aicore.so" ]; then
    pass "serial_graph builds its binaries"
else
    tail -20 "$copy/build.log"
    fail "serial_graph builds its binaries"
fi

echo "== third runtime: make check's lists"
lists=$($MAKE -C "$copy" --no-print-directory -s \
    --eval 'show-lists: ; @echo "$(RUNTIMES)|$(ALL_EXAMPLES)|$(serial_graph_CHECK_CONFIGS)"' show-lists)
case "$lists" in
    *serial_graph*"|"*serial_bgemm*"|1:1 3:3") pass "runtimes and examples lists name it ($lists)" ;;
    *) fail "runtimes and examples lists name it ($lists)" ;;
esac

for cfg in 1:1 3:3; do
    t=${cfg%%:*}
    b=${cfg##*:}
    echo "== third runtime: serial_bgemm at $t scheduler thread(s), block_dim $b"
    # The runner's PASS lines and counts go to a log (shown on failure): the
    # suite counts each pair once.
    if $PTO_RUN serial_bgemm --project-root "$copy" --aicpu-threads "$t" --block-dim "$b" \
        --trace "$copy/trace-$t.json" --quiet >"$copy/run-$t.log" 2>&1; then
        pass "serial_bgemm passes its golden at $cfg"
    else
        cat "$copy/run-$t.log"
        fail "serial_bgemm passes its golden at $cfg"
    fi
done

echo "== third runtime: one task at a time"
if [ -f "$copy/trace-3.json" ] && python3 "$here/check_no_overlap.py" "$copy/trace-3.json"; then
    pass "no two task spans overlap at 3:3"
else
    fail "no two task spans overlap at 3:3"
fi

echo "== third runtime: removed"
rm -rf "$copy"
if [ ! -e "$copy" ] && [ ! -e "$root/runtime/serial_graph" ]; then
    pass "the copy is gone and the tree has no serial_graph"
else
    fail "the copy is gone and the tree has no serial_graph"
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
