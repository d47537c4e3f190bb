#!/bin/sh
# Times pto-run's comparison of a large output with its golden: two .npy
# files of N float32 elements (default 2^28, 1 GiB each), equal within the
# default tolerances, compared by `pto-run compare` as a run compares them.
# Writes the seconds to JSON; the files are removed afterwards.
# Usage: time_compare.sh PTO_RUN PYTHON OUT.json [ELEMENTS]
set -e
pto_run=$1 python=$2 json=$3 elements=${4:-268435456}
dir=$(dirname "$json")/compare-data
mkdir -p "$dir"
trap 'rm -rf "$dir"' EXIT INT TERM
"$python" - "$dir" "$elements" <<'PY'
import sys
import numpy as np
out, n = sys.argv[1], int(sys.argv[2])
expected = np.arange(n, dtype=np.float32) % 1024
np.save(f"{out}/expected.npy", expected)
expected += np.float32(1e-6)  # within rtol/atol: every element is checked
np.save(f"{out}/actual.npy", expected)
PY
line=$("$pto_run" compare "$dir/actual.npy" "$dir/expected.npy")
echo "$line"
seconds=$(echo "$line" | sed -n 's/.*(compared in \([0-9.]*\) s).*/\1/p')
[ -n "$seconds" ] || { echo "time_compare: no time in: $line" >&2; exit 1; }
echo "comparing $elements float32 elements: $seconds s"
printf '{"elements": %s, "compare_seconds": %s}\n' "$elements" "$seconds" > "$json"
