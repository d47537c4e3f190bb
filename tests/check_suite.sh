#!/bin/sh
# Runs one suite of `make check`: its output goes to DIR/NAME.log, and
# DIR/NAME.status gets "exit-code seconds". When it ends the log is printed
# whole, under one header, so suites running side by side never interleave.
# Exits with the suite's code (a failed suite stops the suites after it).
#   check_suite.sh NAME DIR COMMAND...
set -u
name=$1 dir=$2
shift 2
mkdir -p "$dir"
start=$(date +%s.%N)
"$@" > "$dir/$name.log" 2>&1
status=$?
seconds=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
echo "$status $seconds" > "$dir/$name.status"
printf '==== %s: %s, %.0f s\n' "$name" "$([ $status -eq 0 ] && echo ok || echo "FAILED (exit $status)")" "$seconds"
cat "$dir/$name.log"
[ $status -eq 0 ] && touch "$dir/$name.done"
exit $status
