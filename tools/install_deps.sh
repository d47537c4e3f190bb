#!/bin/sh
# Checks what the build needs and installs what is missing when it can
# (root, or sudo without a password). Called by `make deps` and, once, by
# `make build`, `make run` and `make check`. `install_deps.sh docs` checks
# only what `make docs` and the docs suite of `make check` need (Doxygen).
set -u

PYTHON=${PYTHON:-python3}
missing_debs=""

has_pkg() { pkg-config --exists "$1" 2>/dev/null; }

if [ "${1:-}" = docs ]; then
    command -v doxygen >/dev/null 2>&1 || missing_debs="$missing_debs doxygen"
else
    command -v pkg-config >/dev/null 2>&1 || missing_debs="$missing_debs pkg-config"
    has_pkg libelf || missing_debs="$missing_debs libelf-dev"
    has_pkg libdw || missing_debs="$missing_debs libdw-dev"
fi

as_root() {
    if [ "$(id -u)" = 0 ]; then "$@"
    elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then sudo -n "$@"
    else return 1
    fi
}

if [ -n "$missing_debs" ]; then
    echo "deps: installing Debian packages:$missing_debs"
    if ! { as_root apt-get update -qq >/dev/null && \
           DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq $missing_debs >/dev/null; }; then
        echo "deps: could not install$missing_debs; run as root: apt-get install$missing_debs" >&2
        exit 1
    fi
fi
[ "${1:-}" = docs ] && exit 0

if ! command -v "$PYTHON" >/dev/null 2>&1; then
    echo "deps: no python3 found; install it (apt-get install python3) or pass PYTHON=/path/to/python3" >&2
    exit 1
fi
if ! "$PYTHON" -c 'import numpy' >/dev/null 2>&1; then
    echo "deps: installing numpy for $PYTHON"
    if ! "$PYTHON" -m pip install --quiet numpy >/dev/null 2>&1; then
        echo "deps: could not install numpy; run: $PYTHON -m pip install numpy" >&2
        exit 1
    fi
fi

# torch, for upstream scene tests (test_*.py): a CPU build only, never the
# CUDA wheels PyPI's default torch pulls. Without it, one line says so and
# the scene tests skip, each with one line.
if ! "$PYTHON" -c 'import torch' >/dev/null 2>&1; then
    echo "deps: installing a CPU build of torch for $PYTHON (scene tests need it)"
    if ! "$PYTHON" -m pip install --quiet "torch==2.13.0+cpu" >/dev/null 2>&1; then
        echo "deps: no CPU build of torch could be installed; scene tests (test_*.py) will be skipped; to run them: $PYTHON -m pip install torch --index-url https://download.pytorch.org/whl/cpu" >&2
    fi
fi

# The project's Python package (python/: simpler_setup, simpler) for this
# Python: a .pth file puts it on the path, so `python test_x.py` finds it
# without PYTHONPATH, and a distribution record registers its pytest plugin.
root=$(cd "$(dirname "$0")/.." && pwd)
"$PYTHON" - "$root/python" <<'PY' || { echo "deps: could not register the project's Python package for $PYTHON; run make deps as a user who can write to its site-packages" >&2; exit 1; }
import os, site, sys, sysconfig
package = sys.argv[1]
target = sysconfig.get_paths()["purelib"]
if not os.access(target, os.W_OK):
    target = site.getusersitepackages()
    os.makedirs(target, exist_ok=True)
def write(path, text):
    old = open(path).read() if os.path.exists(path) else None
    if old != text:
        with open(path, "w") as f:
            f.write(text)
write(os.path.join(target, "pto_runtime.pth"), package + "\n")
info = os.path.join(target, "pto_simpler_setup-1.0.dist-info")
os.makedirs(info, exist_ok=True)
write(os.path.join(info, "METADATA"), "Metadata-Version: 2.1\nName: pto-simpler-setup\nVersion: 1.0\n"
      "Summary: the PTO runtime's scene-test harness (simpler_setup), from " + package + "\n")
write(os.path.join(info, "entry_points.txt"), "[pytest11]\nsimpler_setup = simpler_setup.pytest_plugin\n")
write(os.path.join(info, "top_level.txt"), "simpler_setup\nsimpler\n")
PY

if ! command -v swift >/dev/null 2>&1 && [ ! -x /opt/swift/usr/bin/swift ]; then
    echo "deps: no Swift toolchain found; put swift on PATH (e.g. /opt/swift/usr/bin) or pass SWIFT=/path/to/swift" >&2
    exit 1
fi
exit 0
