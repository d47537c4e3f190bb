#!/bin/sh
# Incremental builds, after a build of the runtime and vector_example:
#   1. nothing changed: no compiler starts;
#   2. a header touched: exactly the objects that include it rebuild;
#   3. another compiler or another flag: every output they build rebuilds;
#   4. another PTO_ISA_ROOT: the example's kernels rebuild, its
#      orchestration does not;
#   5. a warm make starts no compiler at all, its probes included (they
#      are cached in the build tree; tests/build/check_probe_cache.sh tests
#      the cache on its own).
# 2-4 are dry runs (make -n, -W to pretend a header changed): they modify
# nothing, so other suites may build beside this one. Prints a count line.
set -eu
make_cmd=$1 platform=$2 runtime=$3
passed=0
fail() {
    echo "check_incremental: $1" >&2
    printf '%s\n' "$2" >&2
    echo "$passed passed, 1 failed"
    exit 1
}
dry() {
    # shellcheck disable=SC2086
    $make_cmd --no-print-directory -n V=1 PLATFORM="$platform" RUNTIME="$runtime" "$@" 2>&1
}
has() { printf '%s\n' "$1" | grep -q -- "$2"; }
count() { printf '%s\n' "$1" | grep -c -- "$2" || true; }

for target in "runtime" "example EXAMPLE=vector_example"; do
    # shellcheck disable=SC2086
    $make_cmd --no-print-directory PLATFORM="$platform" RUNTIME="$runtime" $target >/dev/null
    # shellcheck disable=SC2086
    out=$(dry $target)
    if printf '%s\n' "$out" | grep -Eq '(g\+\+|clang\+\+|c\+\+|example_config\.py)'; then
        fail "'make $target' would rebuild with nothing changed:" "$out"
    fi
    echo "nothing to rebuild: make $target"
    passed=$((passed + 1))
done

header=runtime/$runtime/common/launch_block.h
out=$(dry -W "$header" runtime)
for dependent in aicpu/aicpu_executor.cpp aicore/aicore_executor.cpp host/host_launch.cpp; do
    has "$out" "-c runtime/$runtime/$dependent" || fail "touching $header does not rebuild $dependent:" "$out"
done
for unrelated in last_error.cpp sim_thread_pool.cpp graph_builder.cpp; do
    if has "$out" "$unrelated"; then fail "touching $header rebuilds $unrelated, which does not include it:" "$out"; fi
done
echo "a touched header rebuilds its dependents only"
passed=$((passed + 1))

# Runtime objects: compiled with -c into the relative build folder (example
# outputs go to absolute paths).
objects=$(count "$(dry -B runtime)" ' -c .* -o build/')
out=$(dry runtime CXX=clang++)
[ "$(count "$out" 'clang++.* -c ')" -eq "$objects" ] || fail "CXX=clang++ does not rebuild all $objects runtime objects:" "$out"
printf '%s\n' "$out" | grep -Eq '(^|/)g\+\+ .* -c ' && fail "CXX=clang++ still compiles with g++:" "$out"
out=$(dry example EXAMPLE=vector_example EXTRA_CXXFLAGS=-DPTO_INCREMENTAL_PROBE)
[ "$(count "$out" '-DPTO_INCREMENTAL_PROBE.* -c .* -o build/')" -eq "$objects" ] || fail "a new flag does not rebuild all runtime objects:" "$out"
has "$out" '-DPTO_INCREMENTAL_PROBE.*orchestration.so' || fail "a new flag does not rebuild the orchestration:" "$out"
has "$out" '-DPTO_INCREMENTAL_PROBE.*kernel_add.cpp' || fail "a new flag does not rebuild the kernels:" "$out"
echo "another compiler or flag rebuilds what it builds ($objects runtime objects, orchestration, kernels)"
passed=$((passed + 1))

# Another checkout of the same headers (a link to the real ones, when they
# are there: the PTO-ISA kernels rebuild against it), or a missing one.
headers=$(cd "$(dirname "$0")/.." && pwd)/../shared/third_party/pto-isa
elsewhere=
if [ -d "$headers/include/pto" ]; then
    elsewhere=$(mktemp -d)/pto-isa
    ln -s "$headers" "$elsewhere"
    trap 'rm -rf "$(dirname "$elsewhere")"' EXIT
fi
out=$(dry example EXAMPLE=vector_example PTO_ISA_ROOT="${elsewhere:-/elsewhere/pto-isa}")
[ "$(count "$out" ' -c .*kernels/aiv[a-z_]*/kernel_[a-z_]*\.cpp')" -eq 3 ] || fail "another PTO_ISA_ROOT does not recompile the 3 kernels:" "$out"
[ "$(count "$out" ' -o [^ ]*_kernel_[a-z_]*\.so ')" -eq 3 ] || fail "another PTO_ISA_ROOT does not relink the 3 kernels:" "$out"
has "$out" ' -o [^ ]*orchestration\.so' && fail "another PTO_ISA_ROOT rebuilds the orchestration:" "$out"
echo "another PTO_ISA_ROOT rebuilds the kernels, not the orchestration"
passed=$((passed + 1))

# Stand-ins for the compilers that log each start: the first make may probe
# them (they are new compilers to the cache), the second must start none.
wrap=$(mktemp -d "${TMPDIR:-/tmp}/incremental-cc.XXXXXX")
trap 'rm -rf "$wrap" ${elsewhere:+"$(dirname "$elsewhere")"}' EXIT
real_cxx=$(command -v g++ || command -v c++)
for name in g++ clang++ c++; do
    real=$(command -v "$name" || true)
    [ -n "$real" ] || continue
    printf '#!/bin/sh\necho "%s $*" >> "%s/log"\nexec "%s" "$@"\n' "$name" "$wrap" "$real" > "$wrap/$name"
    chmod +x "$wrap/$name"
done
warm() {
    PATH="$wrap:$PATH" $make_cmd --no-print-directory PLATFORM="$platform" RUNTIME="$runtime" \
        CXX="$real_cxx" example EXAMPLE=vector_example 2>&1
}
out=$(warm) || fail "make example with logging compilers failed:" "$out"
rm -f "$wrap/log"
out=$(warm) || fail "make example with logging compilers failed:" "$out"
[ ! -f "$wrap/log" ] || fail "a warm make example started a compiler:" "$(cat "$wrap/log")"
echo "a warm make starts no compiler (probes cached)"
passed=$((passed + 1))
echo "$passed passed, 0 failed"
