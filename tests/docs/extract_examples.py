#!/usr/bin/env python3
"""Writes out the files a guide page shows in fenced blocks marked
`file=PATH` (```cpp file=axpy/golden.py), under OUT_DIR, and prints each
top-level folder written, one per line.
Usage: extract_examples.py PAGE.md OUT_DIR"""

import re
import sys
from pathlib import Path

FENCE = re.compile(r"^```\S*\s+file=(\S+)\s*$")


def blocks(page):
    lines = page.read_text().splitlines()
    i = 0
    while i < len(lines):
        match = FENCE.match(lines[i])
        i += 1
        if not match:
            continue
        body = []
        while i < len(lines) and lines[i] != "```":
            body.append(lines[i])
            i += 1
        if i == len(lines):
            sys.exit(f"{page}: the block for {match.group(1)} is never closed")
        i += 1
        yield match.group(1), "\n".join(body) + "\n"


def main():
    page, out = Path(sys.argv[1]), Path(sys.argv[2])
    roots = []
    for name, text in blocks(page):
        path = Path(name)
        if path.is_absolute() or ".." in path.parts:
            sys.exit(f"{page}: file={name} must be a relative path inside the example")
        (out / path).parent.mkdir(parents=True, exist_ok=True)
        (out / path).write_text(text)
        if path.parts[0] not in roots:
            roots.append(path.parts[0])
    if not roots:
        sys.exit(f"{page}: no block marked file=PATH")
    print("\n".join(roots))


if __name__ == "__main__":
    main()
