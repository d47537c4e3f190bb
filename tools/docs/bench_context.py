#!/usr/bin/env python3
"""Records what a `make bench` run ran on and under which load.

  bench_context.py start FILE ARGS...   commit, date, machine, settings, load now
  bench_context.py end FILE             adds the load at the end and the
                                        CPU time stolen and spent meanwhile

docs/performance.md's header is written from FILE (performance_page.py).
"""

import json
import os
import platform
import subprocess
import sys
import time


def cpu_ticks():
    """The first line of /proc/stat: ticks per state since boot."""
    fields = open("/proc/stat").readline().split()[1:]
    names = ["user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal"]
    return {name: int(value) for name, value in zip(names, fields)}


def git(*args):
    try:
        return subprocess.run(["git", *args], capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return ""


def cpu_model():
    for line in open("/proc/cpuinfo"):
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def start(path, settings):
    commit = git("rev-parse", "--short=12", "HEAD") or "unknown"
    dirty = bool(git("status", "--porcelain", "--untracked-files=no"))
    context = {
        "commit": commit + ("+changes" if dirty else ""),
        "started_utc": time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime()),
        "machine": {
            "system": f"{platform.system()} {platform.release()}",
            "cpu": cpu_model(),
            "cores": os.cpu_count(),
            "memory_gib": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
        },
        "settings": settings,
        "load_start": os.getloadavg()[0],
        "ticks_start": cpu_ticks(),
        "clock_start": time.time(),
    }
    with open(path, "w") as out:
        json.dump(context, out, indent=1)


def end(path):
    with open(path) as f:
        context = json.load(f)
    before, after = context.pop("ticks_start"), cpu_ticks()
    total = sum(after.values()) - sum(before.values())
    context["load_end"] = os.getloadavg()[0]
    context["seconds"] = round(time.time() - context.pop("clock_start"), 1)
    context["steal_percent"] = round(100.0 * (after["steal"] - before["steal"]) / total, 2) if total else 0.0
    context["busy_percent"] = round(100.0 * (1 - (after["idle"] - before["idle"]) / total), 1) if total else 0.0
    with open(path, "w") as out:
        json.dump(context, out, indent=1)


def main():
    if len(sys.argv) < 3 or sys.argv[1] not in ("start", "end"):
        sys.exit("usage: bench_context.py start FILE [SETTING=VALUE...] | end FILE")
    if sys.argv[1] == "start":
        settings = dict(arg.split("=", 1) for arg in sys.argv[3:] if "=" in arg)
        start(sys.argv[2], settings)
    else:
        end(sys.argv[2])


if __name__ == "__main__":
    main()
