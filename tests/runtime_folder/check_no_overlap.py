"""Checks pto-run traces (--trace) for a runtime that runs one task at a time:
in every case (a trace process), each task span starts at or after the end of
the one before it. Exits 1, naming the two tasks, if any overlap, or if a case
has fewer than two tasks (nothing would have been checked)."""

import json
import sys
from collections import defaultdict


def main(paths):
    ok = True
    for path in paths:
        with open(path) as f:
            events = json.load(f)["traceEvents"]
        cases = defaultdict(list)
        for e in events:
            if e.get("ph") == "X" and e.get("cat") == "task":
                cases[e["pid"]].append(e)
        if not cases:
            print(f"{path}: no task spans")
            ok = False
        for pid, spans in sorted(cases.items()):
            if len(spans) < 2:
                print(f"{path}: case {pid} has {len(spans)} task span(s)")
                ok = False
                continue
            spans.sort(key=lambda e: e["ts"])
            for before, after in zip(spans, spans[1:]):
                if after["ts"] < before["ts"] + before["dur"]:
                    print(f"{path}: case {pid}: task {after['args']['task']} started "
                          f"{before['ts'] + before['dur'] - after['ts']:.3f} us before task "
                          f"{before['args']['task']} ended")
                    ok = False
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
