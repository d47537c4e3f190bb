#!/bin/sh
# After a --load run: none of the benchmark's busy processes is left (they
# are the benchmark's own forks, so they run its program file). Processes
# are matched by that file, not by command line: a checkout beside this one
# running its own benchmark is not ours.
bench=$1
program=$(readlink -f "$bench")
left=""
for dir in /proc/[0-9]*; do
    [ "$(readlink "$dir/exe" 2>/dev/null)" = "$program" ] && left="$left ${dir#/proc/}"
done
if [ -n "$left" ]; then
    echo "bench --load left process(es) of $program running:"
    for pid in $left; do
        printf '%s %s\n' "$pid" "$(tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null)"
    done
    echo "0 passed, 1 failed"
    exit 1
fi
echo "ok: no busy process left after --load"
echo "1 passed, 0 failed"
