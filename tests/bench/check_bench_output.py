"""Checks what `runtime_bench --json` wrote for a small run: every requested
cell is present, ran without error, and carries the numbers docs/performance.md and
the issue's targets are read from. Timing values are only checked for being
measured (positive), never against a target: that is what `make bench` is for.

usage: check_bench_output.py FILE SHAPES CONFIGS SIZES REPEAT [LAUNCH_REPEAT [LOAD]]

With LOAD (a --load run), every cell also carries its figure beside that
many busy processes and its ratio to the idle one.

The shape "launch" is a one-task graph, checked at one task whatever SIZES
say, with LAUNCH_REPEAT runs.
"""
import json
import sys


def main():
    path, shapes, configs, sizes, repeat = sys.argv[1:6]
    repeat = int(repeat)
    launch_repeat = int(sys.argv[6]) if len(sys.argv) > 6 else repeat
    load = int(sys.argv[7]) if len(sys.argv) > 7 else 0
    with open(path) as f:
        report = json.load(f)
    cells = report["cells"]
    by_key = {(c["graph"], c["tasks"], c["aicpu_threads"], c["block_dim"]): c for c in cells}
    passed = failed = 0

    def check(ok, what):
        nonlocal passed, failed
        if ok:
            passed += 1
        else:
            failed += 1
            print(f"bench output: {what}")

    round_trip = report["cache_line_round_trip_ns"]
    check(report["cores"] > 0, "no core count")
    check(round_trip["before"] != 0 and round_trip["after"] != 0,
          "no cache-line round trip (-1 means one CPU)")

    for shape in shapes.split(","):
        shape_sizes = ["1"] if shape == "launch" else sizes.split(",")
        runs = launch_repeat if shape == "launch" else repeat
        for size in shape_sizes:
            for config in configs.split(","):
                threads, block_dim = (int(x) for x in config.split(":"))
                key = (shape, int(size), threads, block_dim)
                cell = by_key.get(key)
                name = f"{shape} {size} tasks {config}"
                check(cell is not None, f"{name}: missing")
                if cell is None:
                    continue
                check("error" not in cell, f"{name}: {cell.get('error')}")
                if "error" in cell:
                    continue
                each = cell["us_per_task_each"]
                check(cell["runs"] == runs and len(each) == runs,
                      f"{name}: {len(each)} runs, expected {runs}")
                check(all(x > 0 for x in each) and cell["first_launch_us_per_task"] > 0,
                      f"{name}: a run was not timed")
                check(min(each) <= cell["us_per_task_median"] <= max(each),
                      f"{name}: median outside its runs")
                check(abs(cell["spread"] - max(each) / min(each)) < 1e-3 * cell["spread"],
                      f"{name}: spread is not slowest/fastest")
                check(cell["memory_mb"] > 0 and cell["cpu_seconds_median"] >= 0,
                      f"{name}: no memory or CPU figure")
                check(cell["cache_line_round_trip_ns"] != 0, f"{name}: no round trip measured")
                check(cell["orchestration_us_per_task_median"] > 0,
                      f"{name}: the orchestration's cost was not measured")
                check(cell["total_us_per_task_median"] >= cell["orchestration_us_per_task_median"],
                      f"{name}: building and running took less than the orchestration alone")
                if load:
                    check(cell.get("load_busy_processes") == load and "loaded_error" not in cell,
                          f"{name}: no figure beside {load} busy processes ({cell.get('loaded_error')})")
                    loaded = cell.get("loaded_us_per_task_median", 0)
                    check(loaded > 0 and abs(cell.get("loaded_ratio", 0) * cell["us_per_task_median"]
                                             - loaded) < 1e-3 * loaded,
                          f"{name}: the loaded figure or its ratio is missing or inconsistent")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
