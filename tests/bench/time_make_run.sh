#!/bin/sh
# Times `make run` for each example: cold (the example's build folder and the
# runtime binaries removed, so everything compiles) and warm (nothing changed).
# Prints a table and writes JSON (seconds with a leading digit: bc's .69 is
# not JSON).
set -eu
make_cmd=$1 json=$2
shift 2
printf '%-18s %10s %10s\n' example "cold s" "warm s"
printf '[\n' > "$json"
first=1
for ex in "$@"; do
    # The example and every runtime's binaries (the example builds its own).
    rm -rf "build/a2a3sim/examples/$ex" build/a2a3sim/*/lib*.so build/a2a3sim/*/host \
        build/a2a3sim/*/aicpu build/a2a3sim/*/aicore
    start=$(date +%s.%N)
    $make_cmd --no-print-directory run EXAMPLE="$ex" PTO_RUN_FLAGS=--quiet >/dev/null
    cold=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.3f", b - a }')
    start=$(date +%s.%N)
    $make_cmd --no-print-directory run EXAMPLE="$ex" PTO_RUN_FLAGS=--quiet >/dev/null
    warm=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.3f", b - a }')
    printf '%-18s %10.2f %10.2f\n' "$ex" "$cold" "$warm"
    [ $first -eq 1 ] || printf ',\n' >> "$json"
    first=0
    printf '  {"example": "%s", "cold_seconds": %s, "warm_seconds": %s}' "$ex" "$cold" "$warm" >> "$json"
done
printf '\n]\n' >> "$json"
