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

if ! command -v swift >/dev/null 2>&1 && [ ! -x /opt/swift/usr/bin/swift ]; then
    echo "deps: no Swift toolchain found; put swift on PATH (e.g. /opt/swift/usr/bin) or pass SWIFT=/path/to/swift" >&2
    exit 1
fi
exit 0
