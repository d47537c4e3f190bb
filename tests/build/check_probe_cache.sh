#!/bin/sh
# The compiler-probe cache (platform/a2a3sim/probes.mk), on its own: a
# makefile that includes it, with logging stand-ins for g++ and clang++.
#   1. the first make probes and writes the cache; the second starts no compiler;
#   2. a compiler changed on disk (modification time) probes again;
#   3. PTO_CXX= on the command line probes again, and is what the cache keeps;
#   4. a cache cut short (no key line) probes again;
#   5. a dry run (make -n) writes no cache.
# Prints a count line.
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
make_cmd=${1:-make}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/probe-cache.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM
passed=0
fail() {
    echo "check_probe_cache: $1" >&2
    [ -f "$tmp/log" ] && sed 's/^/  log: /' "$tmp/log" >&2
    echo "$passed passed, 1 failed"
    exit 1
}
pass() { echo "ok: $1"; passed=$((passed + 1)); }

real_gxx=$(command -v g++ || command -v c++)
real_clang=$(command -v clang++ || true)
mkdir -p "$tmp/bin"
for name in g++ clang++; do
    real=$real_gxx
    [ "$name" = clang++ ] && [ -n "$real_clang" ] && real=$real_clang
    printf '#!/bin/sh\necho "%s $*" >> "%s/log"\nexec "%s" "$@"\n' "$name" "$tmp" "$real" > "$tmp/bin/$name"
    chmod +x "$tmp/bin/$name"
done
cat > "$tmp/Makefile" <<MK
path_find = \$(firstword \$(wildcard \$(addsuffix /\$(1),\$(subst :, ,\$(PATH)))))
BUILD_ROOT := $tmp/build
CXX := $tmp/bin/g++
include $root/platform/a2a3sim/probes.mk
all: ; @echo 'pto_cxx=\$(PROBED_PTO_CXX) no_libcalls=\$(PROBED_KERNEL_NO_LIBCALLS)'
MK
cache=$tmp/build/a2a3sim/.probes.mk
probe() { PATH="$tmp/bin:/usr/bin:/bin" $make_cmd --no-print-directory -f "$tmp/Makefile" "$@"; }
lines() { if [ -f "$tmp/log" ]; then wc -l < "$tmp/log"; else echo 0; fi; }

out=$(probe)
[ "$(lines)" -gt 0 ] || fail "the first make ran no probe"
[ -f "$cache" ] || fail "the first make wrote no cache at $cache"
case $out in *no_libcalls=-fno-tree-loop-distribute-patterns*) ;; *) fail "probe results not seen: $out" ;; esac
first=$out
rm -f "$tmp/log"
out=$(probe)
[ "$(lines)" -eq 0 ] || fail "a warm make started a compiler"
[ "$out" = "$first" ] || fail "the cached results differ: '$out' after '$first'"
pass "the first make probes, the second starts no compiler and sees the same results"

touch -d '2001-01-01' "$tmp/bin/clang++"
probe >/dev/null
[ "$(lines)" -gt 0 ] || fail "a compiler changed on disk was not probed again"
rm -f "$tmp/log"
probe >/dev/null
[ "$(lines)" -eq 0 ] || fail "the make after a re-probe started a compiler"
pass "a compiler changed on disk probes again, once"

out=$(probe PTO_CXX=g++)
[ "$(lines)" -gt 0 ] || fail "PTO_CXX=g++ was not probed"
grep -q '^g++ ' "$tmp/log" || fail "PTO_CXX=g++ probed another compiler"
grep -q 'PTO_CXX=g++' "$cache" || fail "the cache does not record PTO_CXX=g++"
pass "PTO_CXX= on the command line probes that compiler"

probe >/dev/null
grep -v '^PROBED_KEY' "$cache" > "$cache.cut" && mv "$cache.cut" "$cache"
rm -f "$tmp/log"
probe >/dev/null
[ "$(lines)" -gt 0 ] || fail "a cache with no key line was trusted"
grep -q '^PROBED_KEY' "$cache" || fail "the re-probe wrote no key"
pass "a cache cut short probes again"

rm -f "$cache"
probe -n >/dev/null
[ ! -f "$cache" ] || fail "a dry run wrote the cache"
pass "a dry run writes no cache"

echo "$passed passed, 0 failed"
