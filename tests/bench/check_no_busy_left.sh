#!/bin/sh
# After a --load run: none of the benchmark's busy processes is left (they
# are the benchmark's own forks, so they carry its program name).
bench=$1
left=$(pgrep -f "^$bench " 2>/dev/null | wc -l)
if [ "$left" -ne 0 ]; then
    echo "bench --load left $left process(es) of $bench running:"
    pgrep -af "^$bench "
    echo "0 passed, 1 failed"
    exit 1
fi
echo "ok: no busy process left after --load"
echo "1 passed, 0 failed"
