"""How a scene test reaches the runner: `python test_x.py -p a2a3sim` and the
pytest plugin both select cases here (cases.py) and hand the test's folder to
pto-run, the project's one runner, which builds through make, runs, compares
and reports. Exit codes are upstream's: 0 every case passed, 1 a case
failed, 2 a bad selection or bad arguments."""

import argparse
import os
import subprocess
import sys
from pathlib import Path

from simpler_setup import cases as scene_cases

PROJECT = Path(__file__).resolve().parents[2]
PLATFORMS = ("a2a3sim", "a2a3")
# pto-run's exit codes: 0 passed, 1 a case failed, 2 bad input, 64 usage.
RUNNER_USAGE = 64


class RunError(Exception):
    """The runner could not be started (exit 2)."""


def runner_path() -> str:
    """pto-run, built through make if it is not yet (one make call: build,
    then say where it is)."""
    asked = subprocess.run(["make", "-C", str(PROJECT), "--no-print-directory", "-s",
                            "--eval", "print-pto-run: swift-tools ; @echo PTO_RUN=$(PTO_RUN)",
                            "print-pto-run"], stdout=subprocess.PIPE, text=True)
    found = [line[len("PTO_RUN="):] for line in asked.stdout.splitlines() if line.startswith("PTO_RUN=")]
    if asked.returncode != 0 or not found:
        raise RunError(f"building pto-run failed (make -C {PROJECT} swift-tools, exit "
                       f"{asked.returncode}); the lines above say why")
    path = found[-1].strip()
    return path if os.path.isabs(path) else str(PROJECT / path)


def run_folder(folder: Path, platform: str, selectors, manual_mode: str, extra=()) -> int:
    """pto-run on the folder with the same selection; its exit code."""
    command = [runner_path(), str(folder), "--platform", platform, "--python", sys.executable]
    command += {"include": ["--manual"], "only": ["--manual-only"]}.get(manual_mode, [])
    for selector in selectors:
        command += ["--case", selector]
    command += list(extra)
    return subprocess.run(command).returncode


def upstream_exit(code: int) -> int:
    if code == 0:
        return 0
    return 2 if code in (2, RUNNER_USAGE) else 1


def parse(argv):
    parser = argparse.ArgumentParser(description="Run this scene test's cases with pto-run.")
    parser.add_argument("-p", "--platform", required=True, choices=PLATFORMS)
    parser.add_argument("--case", action="append", default=[],
                        help="Foo, Cls::Foo, Cls:: or ::Foo (repeatable)")
    parser.add_argument("--manual", nargs="?", const="include", default="exclude",
                        choices=scene_cases.MANUAL_MODES,
                        help="manual cases: exclude (default), include (the flag alone), only")
    parser.add_argument("-x", "--exitfirst", action="store_true",
                        help="stop at the first failing case (pto-run runs the cases of a folder "
                        "in one go; a failure fails the run)")
    parser.add_argument("-d", "--device", default="0", help="device id (one)")
    return parser.parse_args(argv)


def main(module_name: str, argv=None) -> int:
    args = parse(sys.argv[1:] if argv is None else argv)
    module = sys.modules[module_name]
    classes = scene_cases.scene_classes(module)
    try:
        scene_cases.select(classes, args.platform, args.case, args.manual)
    except scene_cases.SelectionError as exc:
        print(f"ERROR: {exc}", file=sys.stderr)
        return 2
    if not args.device.isdigit():
        print(f"ERROR: -d {args.device}: give one device id (0, 1, ...)", file=sys.stderr)
        return 2
    # The test's own file: its folder may hold others.
    folder = Path(module.__file__).resolve()
    try:
        code = run_folder(folder, args.platform, args.case, args.manual,
                          ["--device", args.device])
    except RunError as exc:
        print(f"ERROR: {exc}", file=sys.stderr)
        return 2
    return upstream_exit(code)


def run_class_under_pytest(cls, platform, selectors, manual_mode) -> None:
    """A pytest item: the class's selected cases through pto-run; skipped
    when the selection leaves none of this class's cases (a selector naming
    another class, or nothing, selects none of them)."""
    import pytest

    mine = [s for s in selectors if "::" not in s or s.split("::", 1)[0] in ("", cls.__name__)]
    if selectors and not mine:
        pytest.skip(f"--case {' '.join(selectors)} selects no case of {cls.__name__}")
    try:
        scene_cases.select([cls], platform, mine, manual_mode)
    except scene_cases.SelectionError as exc:
        pytest.skip(str(exc))
    folder = Path(sys.modules[cls.__module__].__file__).resolve()
    class_selectors = [f"{cls.__name__}::{s.split('::', 1)[-1]}" if "::" in s else
                       f"{cls.__name__}::{s}" for s in mine] or [f"{cls.__name__}::"]
    try:
        code = run_folder(folder, platform, class_selectors, manual_mode)
    except RunError as exc:
        pytest.fail(str(exc), pytrace=False)
    if code != 0:
        pytest.fail(f"pto-run {folder} exited {code}; its output above says why", pytrace=False)
