#!/bin/sh
# Adds up the counts every suite printed into the check log and prints one
# closing line: "check: N passed, N failed". Exits with the suites' status,
# or 1 if any suite reported a failure.
set -eu
log=$1 status=$2
awk -v status="$status" '
    /^[0-9]+ passed, [0-9]+ failed$/ { passed += $1; failed += $3 }
    /Executed [0-9]+ tests?, with [0-9]+ failures?/ {
        # XCTest repeats its total for each enclosing suite; keep the last.
        for (i = 1; i <= NF; i++) if ($i == "Executed") { xt = $(i + 1); xf = $(i + 4) }
    }
    END {
        passed += xt - xf; failed += xf
        if (status != 0 && failed == 0) failed = 1
        printf "check: %d passed, %d failed\n", passed, failed
        exit (status != 0 || failed != 0) ? 1 : 0
    }' "$log"
