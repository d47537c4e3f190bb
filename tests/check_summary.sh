#!/bin/sh
# Adds up what every suite of `make check` reported (build/check/<suite>.log)
# and prints, per suite, its time and counts, then one closing line:
# "check: N passed, N failed". A suite that failed without counting a
# failure counts as one; a suite that never ran (a suite it needs failed)
# counts as one too; a suite that skipped its tests says why. Exits 1 if
# anything failed.
#   check_summary.sh DIR SUITE...
set -u
dir=$1
shift
started=$(cat "$dir/started" 2>/dev/null || date +%s)
total_passed=0 total_failed=0
echo "==== make check: suites"
for suite in "$@"; do
    if [ ! -f "$dir/$suite.status" ]; then
        printf '  %-12s not run (a suite it needs failed)\n' "$suite"
        total_failed=$((total_failed + 1))
        continue
    fi
    read -r status seconds < "$dir/$suite.status"
    counts=$(awk '
        /^[0-9]+ passed, [0-9]+ failed$/ { passed += $1; failed += $3 }
        /Executed [0-9]+ tests?, with / {
            # XCTest repeats its total for each enclosing suite; keep the last.
            # "with N failures" or "with S test(s) skipped and N failures".
            xs = 0
            for (i = 1; i <= NF; i++) {
                if ($i == "Executed") xt = $(i + 1)
                if ($i ~ /^failures?$/) xf = $(i - 1)
                if ($i == "skipped") xs = $(i - 2)
            }
        }
        END { print passed + xt - xs - xf, failed + xf }' "$dir/$suite.log")
    passed=${counts% *} failed=${counts#* }
    if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi
    total_passed=$((total_passed + passed))
    total_failed=$((total_failed + failed))
    # A suite that could not run here says so ("... tests skipped: why").
    skipped=$(grep -m1 -o 'tests skipped: [^;]*' "$dir/$suite.log" | sed 's/^tests //')
    printf '  %-12s %5.0f s  %d passed, %d failed%s%s\n' "$suite" "$seconds" "$passed" "$failed" \
        "$([ "$status" -ne 0 ] && echo " (exit $status, log: $dir/$suite.log)")" \
        "${skipped:+ ($skipped)}"
done
echo "  wall time   $(( $(date +%s) - started )) s"
echo "check: $total_passed passed, $total_failed failed"
[ "$total_failed" -eq 0 ]
