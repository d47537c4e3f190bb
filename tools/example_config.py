#!/usr/bin/env python3
"""Reads a PTO example folder (kernels/kernel_config.py) for the build.

make-fragment: writes the make fragment that lists the example's kernels and
orchestration, and the artifacts manifest the runner reads to find what Make
built. Both come from this one place, so the naming of build outputs is
decided once.

Errors are one line on stderr naming the file and what to do; exit 2.
"""

import argparse
import importlib.util
import json
import os
import re
import signal
import sys
from pathlib import Path


class ConfigError(Exception):
    pass


class _OutOfTime(BaseException):  # not caught by the user's `except Exception`
    pass


def _out_of_time(signum, frame):
    raise _OutOfTime()


def _config_seconds() -> int:
    text = os.environ.get("PTO_CONFIG_TIMEOUT", "60")
    if not text.isdigit() or int(text) < 1:
        print(f"error: PTO_CONFIG_TIMEOUT={text!r} is not a whole number of seconds >= 1",
              file=sys.stderr)
        sys.exit(2)
    return int(text)


# The bound on reading kernel_config.py, which only defines two settings.
CONFIG_SECONDS = _config_seconds()
MAX_FUNC_ID = 2**31 - 1
# Characters make or the shell would read as syntax in a path.
PATH_SYNTAX = {" ": "a space", "'": "a quote (')", '"': 'a double quote (")', "#": "'#'",
               "$": "'$'", "%": "'%'", ":": "':'", ";": "';'", "\\": "a backslash",
               "*": "'*'", "?": "'?'", "[": "'['", "]": "']'", "`": "a backquote",
               "\n": "a newline", "\t": "a tab", "=": "'='", "|": "'|'", "&": "'&'",
               "(": "'('", ")": "')'", "<": "'<'", ">": "'>'", ",": "a comma"}


def path_problem(path) -> str:
    """What in a path make or the shell would misread, or ''."""
    for char, name in PATH_SYNTAX.items():
        if char in str(path):
            return name
    return ""


def load_module(path: Path, name: str):
    if not path.is_file():
        raise ConfigError(f"{path}: file not found")
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.path.insert(0, str(path.parent))
    previous = signal.signal(signal.SIGALRM, _out_of_time)
    signal.alarm(CONFIG_SECONDS)
    # What the config prints goes to the user (stderr), never into this
    # tool's stdout, which make reads as values (the runtime's name): at the
    # descriptor, so output from C code or a child process goes there too.
    sys.stdout.flush()
    saved_stdout = os.dup(1)
    os.dup2(2, 1)
    try:
        spec.loader.exec_module(module)
    except SystemExit as exc:  # sys.exit is no Exception
        raise ConfigError(f"{path}: called sys.exit({exc.code!r}) while being read; "
                          "kernel_config.py must only define ORCHESTRATION and KERNELS") from exc
    except _OutOfTime as exc:
        raise ConfigError(f"{path}: still running after {CONFIG_SECONDS} s (an endless loop?); "
                          "kernel_config.py must only define ORCHESTRATION and KERNELS "
                          "(PTO_CONFIG_TIMEOUT=SECONDS raises the bound)") from exc
    except Exception as exc:  # the user's code: report whatever it raised
        raise ConfigError(f"{path}: failed to load: {type(exc).__name__}: {exc}") from exc
    finally:
        sys.stdout.flush()
        os.dup2(saved_stdout, 1)
        os.close(saved_stdout)
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
        sys.path.pop(0)
    return module


def resolve_source(config_path: Path, value, what: str) -> Path:
    if not isinstance(value, (str, os.PathLike)):
        raise ConfigError(f"{config_path}: {what} must be a path, got {value!r}")
    path = Path(value)
    if not path.is_absolute():
        path = config_path.parent / path
    path = path.resolve()
    if not path.is_file():
        raise ConfigError(f"{config_path}: {what} {path} does not exist")
    problem = path_problem(path)
    if problem:
        raise ConfigError(f"{config_path}: {what} {path} contains {problem}, which make "
                          "or the shell would read as syntax; move or rename it")
    return path


def source_key(config_path: Path, where: str, kernel: dict, platform: str, choice: str,
               pto_isa: bool) -> str:
    """Which of a kernel's sources this build compiles. A device builds
    `source`. The simulator may take a plain C++ twin (`sim_source`) instead:
    always with KERNEL_SOURCE=sim_source, never with source, and with auto
    when `source` is a PTO-ISA kernel the simulator cannot build here (no
    headers or no C++23 compiler) or is not a PTO-ISA kernel at all."""
    if not platform.endswith("sim") or "sim_source" not in kernel or choice == "source":
        return "source"
    if choice == "sim_source":
        return "sim_source"
    device = resolve_source(config_path, kernel["source"], f"{where} source")
    return "source" if pto_isa and uses_pto_isa(device) else "sim_source"


def is_scene_test(example: Path) -> bool:
    """An upstream scene test: its test_*.py named, or a folder with one and
    no kernel_config.py."""
    if example.is_file():
        return example.name.startswith("test_") and example.suffix == ".py"
    return (not (example / "kernels" / "kernel_config.py").is_file()
            and any(example.glob("test_*.py")))


# A scene test's geometry, upstream's simulator's (CLUSTER.md section 1): 8
# clusters, and 4 AICPU threads (one orchestrator; three schedulers owning
# 2, 3 and 3 clusters). A case's config (aicpu_thread_num) overrides the
# threads.
SCENE_BLOCK_DIM = 8
SCENE_AICPU_THREADS = 4


def scene_runtime_of(test_file: Path) -> str:
    """The runtime a scene test names in @scene_test(level, runtime), read
    from its syntax tree (no import: make asks on every call, and the test
    imports torch): a string given by keyword or position, or the name of a
    module-level string constant."""
    import ast

    try:
        tree = ast.parse(test_file.read_text(errors="replace"))
    except SyntaxError:
        return ""  # the config step reports it, with the line
    constants = {t.id: n.value.value for n in tree.body if isinstance(n, ast.Assign)
                 and isinstance(n.value, ast.Constant) and isinstance(n.value.value, str)
                 for t in n.targets if isinstance(t, ast.Name)}

    def value(node):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return node.value
        return constants.get(node.id, "") if isinstance(node, ast.Name) else ""

    for node in ast.walk(tree):
        if not isinstance(node, ast.ClassDef):
            continue
        for d in node.decorator_list:
            if isinstance(d, ast.Call) and getattr(d.func, "id", getattr(d.func, "attr", "")) == "scene_test":
                for k in d.keywords:
                    if k.arg == "runtime":
                        return value(k.value)
                if len(d.args) >= 2:
                    return value(d.args[1])
    return ""


def include_dirs(test_file: Path, where: str, incore: dict) -> list:
    """extra_include_dirs: $VARs expanded, relative paths the test's,
    folders that do not exist dropped; none left is an error."""
    given = incore.get("extra_include_dirs")
    if not given:
        return []
    kept = []
    for d in given:
        path = Path(os.path.expandvars(str(d)))
        path = path if path.is_absolute() else test_file.parent / path
        if path.is_dir():
            kept.append(str(path.resolve()))
    if not kept:
        raise ConfigError(f"{test_file}: {where} extra_include_dirs {given!r}: none of the folders "
                          "exists")
    return kept


def read_scene_config(example_dir: Path, runtimes=None):
    """ORCHESTRATION and KERNELS from a scene test's CALLABLE."""
    import scene_golden

    try:
        test_file = scene_golden.the_test_file(example_dir)
        module = scene_golden.load(test_file)
    except scene_golden.SceneError as exc:
        raise ConfigError(str(exc)) from exc
    from simpler_setup import cases as scene_cases

    classes = scene_cases.scene_classes(module)
    if not classes:
        raise ConfigError(f"{test_file}: no class marked with @scene_test(level=..., runtime=...)")
    callables = {repr(c.CALLABLE) for c in classes}
    if len(callables) > 1:
        raise ConfigError(f"{test_file}: its classes have different CALLABLEs; one folder builds "
                          "one callable here")
    runtimes_named = sorted({c._st_runtime for c in classes})
    if len(runtimes_named) > 1:
        raise ConfigError(f"{test_file}: its classes name different runtimes ({', '.join(runtimes_named)}); "
                          "one folder runs on one runtime here")
    for c in classes:
        if c._st_level != 2:
            raise ConfigError(f"{test_file}: {c.__name__} is @scene_test(level={c._st_level}); only level 2 "
                              "(one chip) runs here")
    spec, runtime = classes[0].CALLABLE, classes[0]._st_runtime
    if runtimes and runtime not in runtimes:
        raise ConfigError(f"{test_file}: @scene_test runtime {runtime!r} is not a runtime of this "
                          f"tree; choose one of {', '.join(runtimes)}")
    orch = spec["orchestration"]
    kernels = []
    for index, incore in enumerate(spec["incores"]):
        source = Path(incore["source"])
        where = f"CALLABLE['incores'][{index}]"
        if not source.is_file():
            raise ConfigError(f"{test_file}: {where} source {source}: file not found")
        kernels.append({"func_id": incore["func_id"], "source": str(source),
                        "core_type": incore["core_type"],
                        "name": re.sub(r"[^A-Za-z0-9_]", "_", source.stem),
                        "pto_isa": uses_pto_isa(source),
                        "includes": include_dirs(test_file, where, incore)})
    orch_source = Path(orch["source"])
    if not orch_source.is_file():
        raise ConfigError(f"{test_file}: CALLABLE['orchestration'] source {orch_source}: file not found")
    rt_config = {"runtime": runtime, "aicpu_thread_num": SCENE_AICPU_THREADS,
                 "block_dim": SCENE_BLOCK_DIM}
    return test_file, orch_source, str(orch["function_name"]), kernels, rt_config


def read_config(example_dir: Path, platform: str, kernel_source: str = "auto",
                pto_isa: bool = False, runtimes=None):
    config_path = example_dir / "kernels" / "kernel_config.py"
    if is_scene_test(example_dir):
        return read_scene_config(example_dir, runtimes)
    if not example_dir.is_dir():
        raise ConfigError(f"{example_dir}: example folder not found")
    if not config_path.is_file():
        raise ConfigError(f"{config_path}: missing; an example needs kernels/kernel_config.py "
                          "defining ORCHESTRATION and KERNELS")
    module = load_module(config_path, "pto_kernel_config")

    orch = getattr(module, "ORCHESTRATION", None)
    if not isinstance(orch, dict) or "source" not in orch or "function_name" not in orch:
        raise ConfigError(f"{config_path}: ORCHESTRATION must be a dict with 'source' and "
                          "'function_name'")
    orch_source = resolve_source(config_path, orch["source"], "ORCHESTRATION source")
    orch_function = str(orch["function_name"])
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", orch_function):
        raise ConfigError(f"{config_path}: ORCHESTRATION function_name {orch_function!r} is not "
                          "a C identifier")

    kernels = getattr(module, "KERNELS", None)
    if not isinstance(kernels, (list, tuple)):
        raise ConfigError(f"{config_path}: KERNELS must be a list of dicts")
    seen = {}
    result = []
    for index, k in enumerate(kernels):
        where = f"KERNELS[{index}]"
        if not isinstance(k, dict):
            raise ConfigError(f"{config_path}: {where} must be a dict")
        for key in ("func_id", "source", "core_type"):
            if key not in k:
                raise ConfigError(f"{config_path}: {where} has no '{key}'")
        func_id = k["func_id"]
        if (not isinstance(func_id, int) or isinstance(func_id, bool) or func_id < 0
                or func_id > MAX_FUNC_ID):
            raise ConfigError(f"{config_path}: {where} func_id {func_id!r} must be an integer "
                              f"from 0 to {MAX_FUNC_ID} (the runtime's func_id is a C int)")
        if func_id in seen:
            raise ConfigError(f"{config_path}: {where} repeats func_id {func_id} "
                              f"(already KERNELS[{seen[func_id]}])")
        seen[func_id] = index
        core = str(k["core_type"]).lower()
        if core not in ("aic", "aiv"):
            raise ConfigError(f"{config_path}: {where} core_type {k['core_type']!r} must be "
                              "'aic' or 'aiv'")
        key = source_key(config_path, where, k, platform, kernel_source, pto_isa)
        source = resolve_source(config_path, k[key], f"{where} {key}")
        # A twin gets names of its own: switching between the two never
        # reuses the other's build.
        name = re.sub(r"[^A-Za-z0-9_]", "_", source.stem) + ("_sim" if key == "sim_source" else "")
        result.append({"func_id": func_id, "source": str(source), "core_type": core,
                       "name": name, "pto_isa": uses_pto_isa(source)})
    return config_path, orch_source, orch_function, result, runtime_config(config_path, module, runtimes)


def runtime_config(config_path: Path, module, runtimes=None) -> dict:
    """RUNTIME_CONFIG: the runtime the example is written for and, optionally,
    the AICPU threads and blocks it runs with by default."""
    config = getattr(module, "RUNTIME_CONFIG", None)
    if config is None:
        return {}
    if not isinstance(config, dict):
        raise ConfigError(f"{config_path}: RUNTIME_CONFIG must be a dict such as "
                          "{'runtime': 'tensormap_and_ringbuffer', 'aicpu_thread_num': 4, 'block_dim': 3}")
    result = {}
    if "runtime" in config:
        if not isinstance(config["runtime"], str) or (runtimes and config["runtime"] not in runtimes):
            raise ConfigError(f"{config_path}: RUNTIME_CONFIG runtime {config['runtime']!r} is not a runtime of "
                              f"this tree; choose one of {', '.join(runtimes or [])}")
        result["runtime"] = config["runtime"]
    for key, low, high in (("aicpu_thread_num", 1, 4), ("block_dim", 1, 24)):
        if key in config:
            value = config[key]
            if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
                raise ConfigError(f"{config_path}: RUNTIME_CONFIG {key} {value!r} must be an integer "
                                  f"from {low} to {high}")
            result[key] = value
    return result


PTO_INCLUDE = re.compile(r'^\s*#\s*include\s*[<"]pto/', re.MULTILINE)


LOCAL_INCLUDE = re.compile(r'^\s*#\s*include\s*"([^"]+)"', re.MULTILINE)


def uses_pto_isa(source: Path, seen=None) -> bool:
    """Whether a kernel is written against the PTO-ISA tile library: it, or
    a header of its own it includes with quotes, includes <pto/...>."""
    seen = set() if seen is None else seen
    if source in seen or not source.is_file():
        return False
    seen.add(source)
    text = source.read_text(errors="replace")
    if PTO_INCLUDE.search(text):
        return True
    return any(uses_pto_isa((source.parent / name).resolve(), seen)
               for name in LOCAL_INCLUDE.findall(text))


def make_fragment(args) -> None:
    example_dir = Path(args.example).resolve()
    # The earlier description goes first: a config that ends the process
    # early (os._exit) must leave none behind (Make then stops), never a
    # stale one from a previous version of the config.
    for described in (args.fragment, args.manifest):
        Path(described).unlink(missing_ok=True)
    problem = path_problem(example_dir)
    if problem:
        raise ConfigError(f"{example_dir}: the example's path contains {problem}, which make "
                          "or the shell would read as syntax; move or rename the folder")
    config_path, orch_source, orch_function, kernels, rt_config = read_config(
        example_dir, args.platform, args.kernel_source, args.pto_isa == "yes", args.runtimes.split())
    declared = rt_config.get("runtime")
    if declared is not None and declared != args.runtime:
        raise ConfigError(f"{config_path}: the example is written for the {declared} runtime "
                          f"(RUNTIME_CONFIG) and RUNTIME={args.runtime} was asked for; its "
                          f"orchestration does not run there: run it with RUNTIME={declared} (or "
                          "without RUNTIME=)")
    check_orchestration_runtime(config_path, orch_source, args.runtime, args.runtimes.split(),
                                args.orch_include_dirs.split())
    kernel_dir = Path(args.kernel_out)
    runtime_dir = Path(args.runtime_out)
    orch_out = Path(args.orch_out)

    lines = [f"# Generated from {config_path} by tools/example_config.py; do not edit.",
             f"EX_CONFIG := {config_path}",
             f"EX_ORCH_SRC := {orch_source}",
             f"EX_ORCH_FUNC := {orch_function}",
             f"EX_KERNEL_IDS := {' '.join(str(k['func_id']) for k in kernels)}"]
    manifest_kernels = []
    for k in kernels:
        out = kernel_dir / f"{k['func_id']}_{k['name']}.so"
        obj = kernel_dir / f"{k['func_id']}_{k['name']}.o"
        fid = k["func_id"]
        lines += [f"EX_KERNEL_{fid}_SRC := {k['source']}",
                  f"EX_KERNEL_{fid}_CORE := {k['core_type']}",
                  f"EX_KERNEL_{fid}_PTO := {1 if k['pto_isa'] else ''}",
                  f"EX_KERNEL_{fid}_OUT := {out}",
                  f"EX_KERNEL_{fid}_OBJ := {obj}",
                  f"EX_KERNEL_{fid}_INCLUDES := {' '.join(k.get('includes', []))}"]
        manifest_kernels.append({"func_id": fid, "core_type": k["core_type"],
                                 "source": k["source"], "binary": str(out), "object": str(obj),
                                 "pto_isa": k["pto_isa"]})
    manifest = {
        "example": str(example_dir),
        "platform": args.platform,
        "runtime": args.runtime,
        "arguments": args.arguments,
        "orchestrator_threads": args.orchestrator_threads,
        "orchestration": {"source": str(orch_source), "function_name": orch_function,
                          "binary": str(orch_out)},
        "kernels": manifest_kernels,
        "runtime_config": {k: v for k, v in rt_config.items() if k != "runtime"},
        "runtime_binaries": {"host": str(runtime_dir / "libpto_host.so"),
                             "aicpu": str(runtime_dir / "libpto_aicpu.so"),
                             "aicore": str(runtime_dir / args.aicore_binary)},
    }
    write_whole(Path(args.fragment), "\n".join(lines) + "\n")
    write_whole(Path(args.manifest), json.dumps(manifest, indent=2) + "\n")


PROJECT = Path(__file__).resolve().parent.parent


def check_orchestration_runtime(config_path: Path, orch_source: Path, runtime: str, runtimes,
                                include_dirs) -> None:
    """An orchestration written for another runtime: a header it includes
    with quotes is found in another runtime's orchestration/ folder and
    nowhere this build looks. Said up front, instead of a compiler's
    'No such file'."""
    text = orch_source.read_text(errors="replace")
    searched = [orch_source.parent] + [PROJECT / d for d in include_dirs]
    for header in LOCAL_INCLUDE.findall(text):
        if any((d / header).is_file() for d in searched):
            continue
        owners = [r for r in runtimes if r != runtime
                  and (PROJECT / "runtime" / r / "orchestration" / header).is_file()]
        if owners:
            raise ConfigError(f"{orch_source}: includes \"{header}\", {owners[0]}'s orchestration "
                              f"API: the orchestration is written for {owners[0]} and RUNTIME={runtime} "
                              f"was asked for; run it with RUNTIME={owners[0]} (or give "
                              f"{config_path.name} RUNTIME_CONFIG = {{'runtime': '{owners[0]}'}})")


def write_whole(path: Path, text: str) -> None:
    # Under a temporary name, then renamed: a reader never sees half of it.
    # (Nothing is built from these files' times, only from their contents.)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + f".tmp{os.getpid()}")
    tmp.write_text(text)
    tmp.replace(path)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    frag = sub.add_parser("make-fragment", help="write the make fragment and artifacts manifest")
    frag.add_argument("example")
    frag.add_argument("--platform", required=True)
    frag.add_argument("--runtime", required=True)
    frag.add_argument("--runtimes", default="", help="the runtimes of this tree, space-separated")
    frag.add_argument("--arguments", choices=("words", "typed"), default="words",
                      help="how the runtime takes the orchestration's arguments (its runtime.mk says)")
    frag.add_argument("--fragment", required=True)
    frag.add_argument("--manifest", required=True)
    frag.add_argument("--kernel-out", required=True)
    frag.add_argument("--orch-out", required=True)
    frag.add_argument("--runtime-out", required=True)
    frag.add_argument("--orchestrator-threads", type=int, default=0,
                      help="AICPU threads that orchestrate instead of scheduling (runtime.mk)")
    frag.add_argument("--orch-include-dirs", default="",
                      help="the folders the orchestration's compile searches, space-separated")
    frag.add_argument("--kernel-source", choices=("auto", "source", "sim_source"), default="auto",
                      help="which source of a kernel with a sim_source twin to build")
    frag.add_argument("--pto-isa", choices=("yes", "no"), default="no",
                      help="whether PTO-ISA kernels can be built here")
    frag.add_argument("--aicore-binary", default="libpto_aicore.so",
                      help="file name of the AICore executor in --runtime-out")
    runtime_of = sub.add_parser("runtime-of", help="print the runtime the example declares, if any")
    runtime_of.add_argument("example")
    args = parser.parse_args()
    try:
        if args.command == "runtime-of":
            folder = Path(args.example).resolve()
            if is_scene_test(folder):
                tests = [folder] if folder.is_file() else sorted(folder.glob("test_*.py"))
                print(scene_runtime_of(tests[0]) if len(tests) == 1 else "")
                return 0
            module = load_module(folder / "kernels" / "kernel_config.py", "pto_kernel_config")
            print(runtime_config(folder / "kernels" / "kernel_config.py", module).get("runtime", ""))
            return 0
        make_fragment(args)
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
