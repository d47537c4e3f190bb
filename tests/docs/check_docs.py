#!/usr/bin/env python3
"""The docs suite of `make check`: the documentation matches the tree.

  check_docs.py ROOT GENERATED_C_API.md TOOLS_DIR

Checks, each printed as PASS or FAIL with what is wrong:
  - every relative link in README.md, CHANGELOG.md, docs/ and the example
    READMEs resolves, heading anchors included;
  - every `make` target and Make variable, and every option of pto-run,
    pto-elf and pto-gen, named in a fenced shell block of README.md and
    docs/guide exists;
  - README.md stays under 200 lines and quotes no measured figure;
  - every example folder under kernels/ has a README.md;
  - docs/reference/c-api.md equals what Doxygen makes of the headers now;
  - docs/performance.md is the generator's page;
  - the complete examples of docs/guide/writing-an-example.md, extracted
    from the page, pass their goldens through pto-run.
Ends with "N passed, N failed"; exits 1 when anything failed.
"""

import re
import shlex
import subprocess
import sys
import tempfile
from pathlib import Path

LINK = re.compile(r"(?<!!)\[[^\]]*\]\(([^)\s]+)\)")
FENCE = re.compile(r"^(\s*)```")
TOOLS = {"pto-run": ["run", "graph", "compare"], "pto-elf": ["text", "check", "sections", "symbols", "addr2line"],
         "pto-gen": []}
README_LINES = 200


class Results:
    def __init__(self):
        self.passed = 0
        self.failed = 0

    def check(self, name, problems):
        if problems:
            self.failed += 1
            print(f"FAIL {name}")
            for problem in problems[:40]:
                print(f"  {problem}")
            if len(problems) > 40:
                print(f"  ... and {len(problems) - 40} more")
        else:
            self.passed += 1
            print(f"PASS {name}")


def prose_lines(path):
    """(line number, text) of the lines outside fenced code, inline code removed."""
    inside = False
    for number, line in enumerate(path.read_text().splitlines(), 1):
        if FENCE.match(line):
            inside = not inside
            continue
        if not inside:
            yield number, re.sub(r"`[^`]*`", "", line)


def code_blocks(path, languages):
    """(first line number, lines) of the fenced blocks in one of `languages`."""
    lines = path.read_text().splitlines()
    i = 0
    while i < len(lines):
        match = re.match(r"^\s*```(\S*)", lines[i])
        i += 1
        if not match:
            continue
        language, start, body = match.group(1), i + 1, []
        while i < len(lines) and not FENCE.match(lines[i]):
            body.append(lines[i])
            i += 1
        i += 1
        if language in languages:
            yield start, body


def github_anchor(heading):
    text = re.sub(r"`|\*\*|\*", "", heading.strip()).lower()
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def anchors(path):
    found, seen = set(), {}
    for _, line in prose_lines(path):
        match = re.match(r"^#{1,6}\s+(.*)$", line)
        if not match:
            continue
        anchor = github_anchor(match.group(1))
        count = seen.get(anchor, 0)
        seen[anchor] = count + 1
        found.add(anchor if count == 0 else f"{anchor}-{count}")
    return found


def doc_pages(root):
    pages = [root / "README.md", root / "CHANGELOG.md"]
    pages += sorted((root / "docs").rglob("*.md"))
    pages += sorted((root / "kernels").glob("*/README.md"))
    return [p for p in pages if p.exists()]


def check_links(root):
    problems = []
    for page in doc_pages(root):
        for number, line in prose_lines(page):
            for target in LINK.findall(line):
                if re.match(r"^[a-z]+:", target):
                    continue
                file_part, _, anchor = target.partition("#")
                destination = (page.parent / file_part).resolve() if file_part else page
                where = f"{page.relative_to(root)}:{number}: ({target})"
                if not destination.exists():
                    problems.append(f"{where} names {file_part}, which does not exist")
                elif anchor and destination.suffix == ".md" and anchor not in anchors(destination):
                    problems.append(f"{where}: {destination.name} has no heading #{anchor}")
    return problems


def make_database(root):
    """Targets and variables Make knows, as `make -pnq` prints them."""
    run = subprocess.run(["make", "-C", str(root), "-pnq", "--no-print-directory", "FORCE"],
                         capture_output=True, text=True)
    targets, variables = set(), set()
    for line in run.stdout.splitlines():
        target = re.match(r"^([A-Za-z0-9_.%/-]+):(?!=)", line)
        if target:
            targets.add(target.group(1))
        variable = re.match(r"^([A-Za-z0-9_]+) [:?+]?= ", line)
        if variable:
            variables.add(variable.group(1))
    # Variables read but never given a default (EXAMPLE, ...) are not in the
    # database: take every $(NAME) the make files read.
    for makefile in [root / "Makefile", *root.glob("**/*.mk")]:
        if "build" in makefile.relative_to(root).parts:
            continue
        variables.update(re.findall(r"\$[({]([A-Za-z0-9_]+)[)}]", makefile.read_text()))
        variables.update(re.findall(r"\$\((?:origin|strip|if|or) ([A-Za-z0-9_]+)", makefile.read_text()))
    return targets, variables


def tool_options(tools_dir, tool, subcommand):
    command = [str(tools_dir / tool)] + ([subcommand] if subcommand else []) + ["--help"]
    text = subprocess.run(command, capture_output=True, text=True).stdout
    return set(re.findall(r"--[a-z][a-z0-9-]*", text)) | {"--help"}


def shell_commands(path):
    for start, body in code_blocks(path, ("sh", "bash", "console", "shell")):
        for offset, line in enumerate(body):
            line = re.sub(r"\s+#.*$", "", line).strip()
            if line.startswith("$ "):
                line = line[2:]
            if line:
                yield start + offset, line


def check_commands(root, tools_dir):
    targets, variables = make_database(root)
    problems, option_cache = [], {}
    pages = [root / "README.md"] + sorted((root / "docs" / "guide").glob("*.md"))
    for page in pages:
        for number, line in shell_commands(page):
            where = f"{page.relative_to(root)}:{number}"
            try:
                words = shlex.split(line)
            except ValueError as error:
                problems.append(f"{where}: cannot read `{line}`: {error}")
                continue
            if not words:
                continue
            tool = Path(words[0]).name
            if tool == "make":
                for word in words[1:]:
                    if word.startswith("-"):
                        continue
                    if "=" in word:
                        name = word.split("=", 1)[0]
                        if name not in variables:
                            problems.append(f"{where}: `{line}` sets {name}, which the Makefile never reads")
                    elif word not in targets:
                        problems.append(f"{where}: `{line}` names the target {word}, which the Makefile lacks")
            elif tool in TOOLS:
                subcommand = words[1] if len(words) > 1 and words[1] in TOOLS[tool] else ""
                if tool == "pto-run" and not subcommand:
                    subcommand = "run"  # pto-run's default subcommand
                key = (tool, subcommand)
                if key not in option_cache:
                    option_cache[key] = tool_options(tools_dir, tool, subcommand)
                for word in words[1:]:
                    option = word.split("=", 1)[0]
                    if option.startswith("--") and option not in option_cache[key]:
                        problems.append(f"{where}: `{line}`: {tool} {subcommand} has no option {option}")
    return problems


def check_readme(root):
    readme = root / "README.md"
    problems = []
    count = len(readme.read_text().splitlines())
    if count >= README_LINES:
        problems.append(f"README.md has {count} lines; keep it under {README_LINES} (details go to docs/)")
    figure = re.compile(r"\b\d[\d,.]*\s?(us|µs|ms|ns|s|MB|GB|KB|x)\b")
    for number, line in prose_lines(readme):
        if figure.search(line):
            problems.append(f"README.md:{number}: quotes a figure ({figure.search(line).group(0)}); "
                            "figures belong in docs/performance.md")
    return problems


def check_example_readmes(root):
    return [f"kernels/{d.name} has no README.md (say what it computes, its graph and its cases)"
            for d in sorted((root / "kernels").iterdir())
            if (d / "kernels" / "kernel_config.py").exists() and not (d / "README.md").exists()]


def check_c_api(root, generated):
    committed = root / "docs" / "reference" / "c-api.md"
    if not committed.exists():
        return ["docs/reference/c-api.md is missing; run make docs"]
    if committed.read_text() != Path(generated).read_text():
        return ["docs/reference/c-api.md differs from what Doxygen makes of the headers now; "
                "run make docs and commit the page"]
    return []


def check_performance(root):
    sys.path.insert(0, str(root / "tools" / "docs"))
    import performance_page

    page = root / "docs" / "performance.md"
    if not page.exists():
        return ["docs/performance.md is missing; run make bench"]
    text = page.read_text()
    problems = []
    if performance_page.MARKER not in text:
        problems.append("docs/performance.md lacks the generator's marker: it is written by make bench, "
                        "not by hand")
    for row in ("| commit |", "| measured |", "| machine |", "| load |"):
        if row not in text:
            problems.append(f"docs/performance.md's header has no {row.strip('| ')} row")
    return problems


def check_guide_examples(root, tools_dir):
    page = root / "docs" / "guide" / "writing-an-example.md"
    problems = []
    with tempfile.TemporaryDirectory(prefix="pto-docs-") as scratch:
        run = subprocess.run([sys.executable, str(Path(__file__).parent / "extract_examples.py"), str(page), scratch],
                             capture_output=True, text=True)
        if run.returncode != 0:
            return [f"extracting the examples of {page.name}: {run.stderr.strip()}"]
        for example in run.stdout.split():
            result = subprocess.run(
                [str(tools_dir / "pto-run"), str(Path(scratch) / example), "--quiet", "--project-root", str(root)],
                capture_output=True, text=True, timeout=600)
            if result.returncode != 0:
                tail = (result.stdout + result.stderr).strip().splitlines()[-8:]
                problems.append(f"{example} from {page.name} failed (exit {result.returncode}):")
                problems += [f"    {line}" for line in tail]
            else:
                print(f"  {example}: {result.stdout.strip().splitlines()[-1]}")
    return problems


def main():
    if len(sys.argv) != 4:
        sys.exit("usage: check_docs.py ROOT GENERATED_C_API.md TOOLS_DIR")
    root, generated, tools_dir = Path(sys.argv[1]).resolve(), sys.argv[2], Path(sys.argv[3]).resolve()
    results = Results()
    results.check("links in README.md, CHANGELOG.md, docs/ and example READMEs resolve", check_links(root))
    results.check("commands in the README's and guides' shell blocks exist", check_commands(root, tools_dir))
    results.check("README.md is short and quotes no figure", check_readme(root))
    results.check("every example folder has a README", check_example_readmes(root))
    results.check("docs/reference/c-api.md is generated from the headers as they are", check_c_api(root, generated))
    results.check("docs/performance.md is the generator's page", check_performance(root))
    results.check("the examples of writing-an-example.md pass as written", check_guide_examples(root, tools_dir))
    print(f"{results.passed} passed, {results.failed} failed")
    sys.exit(1 if results.failed else 0)


if __name__ == "__main__":
    main()
