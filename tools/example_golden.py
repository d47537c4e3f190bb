#!/usr/bin/env python3
"""Prepares the tensors of a PTO example's golden.py for the runner.

For every case of PARAMS_LIST (or the one chosen with --case) this writes the
inputs (every tensor, outputs zero-filled as generate_inputs made them) and
the expected outputs computed by compute_golden, as .npy files, plus a
manifest.json describing them: argument order, outputs, dtypes, tolerances.

Errors are one line on stderr naming the file and what to do; exit 2.
"""

import argparse
import copy
import ctypes
import importlib.util
import json
import math
import os
import signal
import struct
import sys
from pathlib import Path

import numpy as np

DEFAULT_TOLERANCE = 1e-5
SUPPORTED_KINDS = "fiub"  # float, signed, unsigned, bool
# What the runner reads (np.longdouble, f16 on x86, is none of them).
SUPPORTED_TYPES = {"f2", "f4", "f8", "i1", "i2", "i4", "i8", "u1", "u2", "u4", "u8", "b1"}


class GoldenError(Exception):
    pass


class _OutOfTime(BaseException):  # not caught by the user's `except Exception`
    pass


def _out_of_time(signum, frame):
    raise _OutOfTime()


_bound = [0]  # seconds the whole golden step may take


def die_with_parent() -> None:
    """Ends this helper when the runner that started it ends, even by
    SIGKILL (Linux's parent-death signal), so it never works on alone."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return
    if os.getppid() == 1:  # the runner ended before the line above
        os._exit(1)


def bound_the_step(seconds: int) -> None:
    _bound[0] = seconds
    signal.signal(signal.SIGALRM, _out_of_time)
    signal.alarm(seconds)


def load_golden(example_dir: Path):
    path = example_dir / "golden.py"
    if not path.is_file():
        raise GoldenError(f"{path}: missing; an example needs golden.py with generate_inputs "
                          "and compute_golden")
    spec = importlib.util.spec_from_file_location("pto_golden", path)
    module = importlib.util.module_from_spec(spec)
    sys.path.insert(0, str(example_dir))
    try:
        call_user(path, "its top-level code", "", spec.loader.exec_module, module)
    finally:
        sys.path.pop(0)
    for name in ("generate_inputs", "compute_golden"):
        if not callable(getattr(module, name, None)):
            raise GoldenError(f"{path}: defines no function {name}(...)")
    return path, module


TORCH_INSTALL = ("pip install torch (a CPU-only build is enough: pip install torch --index-url "
                 "https://download.pytorch.org/whl/cpu); make deps does not install it, it is large")


def user_line(exc: BaseException, path: Path) -> str:
    """golden.py:LINE of the last frame of `exc` in golden.py (the line that
    raised, or called what raised), else the file alone."""
    import traceback

    frames = [f for f in traceback.extract_tb(exc.__traceback__)
              if Path(f.filename).resolve() == path.resolve()]
    return f"{path}:{frames[-1].lineno}" if frames else str(path)


def call_user(path: Path, step: str, where: str, function, *args):
    """Calls golden.py's code; whatever ends it early, an exception or an
    exit (sys.exit raises SystemExit, which is no Exception), is one error
    naming golden.py and the step."""
    try:
        return function(*args)
    except _OutOfTime as exc:
        raise GoldenError(f"{path}: {step}{where} was still running when the golden step's "
                          f"bound of {_bound[0]} s ran out (an endless loop?); pto-run "
                          "--golden-timeout SECONDS raises the bound") from exc
    except SystemExit as exc:
        raise GoldenError(f"{path}: {step}{where} called sys.exit({exc.code!r}); golden.py must "
                          "return its values, not end the process") from exc
    except ModuleNotFoundError as exc:
        if exc.name == "torch":
            raise GoldenError(f"{path}: imports torch, which is not installed for {sys.executable}; "
                              f"{TORCH_INSTALL}") from exc
        raise GoldenError(f"{path}: {step} failed{where}: {type(exc).__name__}: {exc}") from exc
    except Exception as exc:
        raise GoldenError(f"{user_line(exc, path)}: {step} failed{where}: {type(exc).__name__}: "
                          f"{exc}") from exc
    except BaseException as exc:  # KeyboardInterrupt raised by the code itself, say
        raise GoldenError(f"{path}: {step} raised {type(exc).__name__}{where}; golden.py must "
                          "return its values") from exc


def is_number(value) -> bool:
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(
        value, (bool, np.bool_))


def tolerance(path: Path, module, name: str) -> float:
    value = getattr(module, name, DEFAULT_TOLERANCE)
    try:
        number = float(value) if is_number(value) else math.nan
    except OverflowError:  # an int past any float
        number = math.inf
    if not math.isfinite(number) or number < 0:
        raise GoldenError(f"{path}: {name} = {value!r} is not a tolerance; give a finite number "
                          f">= 0, e.g. {name} = 1e-5 (the default), or 0 for an exact comparison")
    return float(value)


def equal_nan(path: Path, module) -> bool:
    value = getattr(module, "EQUAL_NAN", False)
    if not isinstance(value, (bool, np.bool_)):
        raise GoldenError(f"{path}: EQUAL_NAN = {value!r} is not True or False; True makes a NaN "
                          "in an output match a NaN expected there (numpy.allclose's equal_nan)")
    return bool(value)


def name_list(path: Path, module, setting: str):
    """A list of tensor names, or None when golden.py does not set it."""
    value = getattr(module, setting, None)
    if value is None:
        return None
    if isinstance(value, str):
        raise GoldenError(f"{path}: {setting} = {value!r} is a string, not a list of names; "
                          f"write a list, e.g. {setting} = [{value!r}]")
    if not isinstance(value, (list, tuple)) or not all(isinstance(n, str) for n in value):
        raise GoldenError(f"{path}: {setting} = {value!r} is not a list of tensor names "
                          f"(strings), e.g. {setting} = ['a', 'out']")
    repeated = sorted({n for n in value if list(value).count(n) > 1})
    if repeated:
        raise GoldenError(f"{path}: {setting} names {repeated} more than once")
    return list(value)


def check_params(path: Path, where: str, params) -> None:
    if not isinstance(params, dict):
        raise GoldenError(f"{path}: {where} is {type(params).__name__}, not a dict of parameters")
    keys = [k for k in params if not isinstance(k, str)]
    if keys:
        raise GoldenError(f"{path}: {where} has key(s) {keys} that are not strings; name "
                          "parameters with strings")


def cases_of(path: Path, module) -> list:
    """Every case golden.py defines: (name or None, params), in order."""
    named = getattr(module, "ALL_CASES", None)
    if named is None:
        if hasattr(module, "DEFAULT_CASE"):
            raise GoldenError(f"{path}: DEFAULT_CASE is set but there is no ALL_CASES to take it "
                              "from; define ALL_CASES = {name: params, ...}")
        return [(None, p) for p in params_list_of(path, module)]
    if not isinstance(named, dict) or not named:
        raise GoldenError(f"{path}: ALL_CASES = {named!r} is not a non-empty dict of named cases; "
                          "write ALL_CASES = {'small': {...}, 'large': {...}}")
    for name, params in named.items():
        if not isinstance(name, str) or not name:
            raise GoldenError(f"{path}: ALL_CASES has the case name {name!r}; name cases with "
                              "non-empty strings")
        if name.startswith("-") or (name.isascii() and name.isdigit()):
            raise GoldenError(f"{path}: ALL_CASES has the case name {name!r}, which --case would "
                              "read as an option or an index; name it with a word")
        check_params(path, f"ALL_CASES[{name!r}]", params)
    return list(named.items())


def listed_cases(path: Path, module, cases: list) -> list:
    """With both ALL_CASES and PARAMS_LIST (upstream's older folders derive
    the list from the named cases): the indices of ALL_CASES that
    PARAMS_LIST holds, in its order. A PARAMS_LIST entry that is none of
    ALL_CASES' cases is a contradiction, refused naming it."""
    chosen = []
    for position, params in enumerate(params_list_of(path, module)):
        matches = [i for i, (_, p) in enumerate(cases) if p == params]
        if not matches:
            raise GoldenError(f"{path}: PARAMS_LIST[{position}] = {params!r} is none of ALL_CASES' "
                              f"cases ({', '.join(repr(n) for n, _ in cases)}); with both, PARAMS_LIST "
                              "picks the cases that run by default from ALL_CASES")
        if matches[0] not in chosen:
            chosen.append(matches[0])
    return chosen


def default_cases(path: Path, module, cases: list) -> list:
    """The indices a run without --case or --all-cases prepares."""
    if not hasattr(module, "DEFAULT_CASE"):
        if hasattr(module, "ALL_CASES") and hasattr(module, "PARAMS_LIST"):
            return listed_cases(path, module, cases)
        return list(range(len(cases)))
    default = getattr(module, "DEFAULT_CASE")
    names = [name for name, _ in cases]
    if default not in names:
        raise GoldenError(f"{path}: DEFAULT_CASE = {default!r} is not a case of ALL_CASES "
                          f"({', '.join(map(repr, names))})")
    return [names.index(default)]


def chosen_cases(path: Path, module, cases: list, choice) -> list:
    if choice is None:
        return default_cases(path, module, cases)
    if choice == "all":
        return list(range(len(cases)))
    names = [name for name, _ in cases]
    if choice in names:
        return [names.index(choice)]
    numeric = choice.isascii() and choice.isdigit()
    if numeric and int(choice) < len(cases):
        return [int(choice)]
    known = (f"its cases are {', '.join(map(repr, names))} (or 0..{len(cases) - 1})"
             if names[0] is not None else f"PARAMS_LIST has {len(cases)} case(s), "
             f"0..{len(cases) - 1}")
    problem = "is out of range" if numeric else "is not a case"
    raise GoldenError(f"{path}: --case {choice} {problem}; {known}")


def params_list_of(path: Path, module) -> list:
    if not hasattr(module, "PARAMS_LIST"):
        return [{}]
    value = module.PARAMS_LIST
    if not isinstance(value, (list, tuple)):
        raise GoldenError(f"{path}: PARAMS_LIST = {value!r} is not a list of cases; write "
                          "PARAMS_LIST = [{...}, ...], one dict of parameters a case")
    if not value:
        raise GoldenError(f"{path}: PARAMS_LIST is empty, so there is no case to run; give at "
                          "least one dict of parameters (or leave PARAMS_LIST out for one case "
                          "with no parameters)")
    for index, params in enumerate(value):
        check_params(path, f"PARAMS_LIST[{index}]", params)
    return list(value)


# The ctypes scalars the list form passes by value, and how: integers as
# their value (two's complement in 64 bits), c_float and c_double as their
# bit patterns.
SCALAR_TYPES = {ctypes.c_int8: "int8", ctypes.c_int16: "int16", ctypes.c_int32: "int32",
                ctypes.c_int64: "int64", ctypes.c_uint8: "uint8", ctypes.c_uint16: "uint16",
                ctypes.c_uint32: "uint32", ctypes.c_uint64: "uint64", ctypes.c_bool: "bool",
                ctypes.c_float: "float", ctypes.c_double: "double"}


def scalar_bits(value) -> int:
    # Floats from their own bytes: through a Python float, a signalling NaN
    # would come back quiet.
    if isinstance(value, ctypes.c_float):
        return struct.unpack("<I", bytes(value))[0]
    if isinstance(value, ctypes.c_double):
        return struct.unpack("<Q", bytes(value))[0]
    return int(value.value) & (2**64 - 1)


def scalar_kind(value):
    """The ctypes scalar type's name, or None for anything else."""
    for kind, name in SCALAR_TYPES.items():
        if type(value) is kind:
            return name
    return None


def is_torch(value) -> bool:
    return hasattr(value, "detach") and hasattr(value, "cpu") and hasattr(value, "clone")


def as_numpy(path: Path, name: str, value) -> np.ndarray:
    if hasattr(value, "detach") and hasattr(value, "cpu"):  # a torch tensor
        value = value.detach().cpu().numpy()
    if not isinstance(value, np.ndarray):
        raise GoldenError(f"{path}: generate_inputs returned {type(value).__name__} for tensor "
                          f"'{name}'; return numpy arrays or torch tensors")
    if value.dtype.byteorder == ">":
        value = value.astype(value.dtype.newbyteorder("<"))
    if value.dtype.kind not in SUPPORTED_KINDS or value.dtype.str[1:] not in SUPPORTED_TYPES:
        raise GoldenError(f"{path}: tensor '{name}' has dtype {value.dtype}, which the runner "
                          "cannot pass; use float16/32/64, (u)int8/16/32/64 or bool")
    return np.ascontiguousarray(value)


def tensor_order(path: Path, module, tensors: dict) -> list:
    order = name_list(path, module, "TENSOR_ORDER")
    if order is None:
        return list(tensors.keys())
    unknown = [n for n in order if n not in tensors]
    if unknown:
        raise GoldenError(f"{path}: TENSOR_ORDER names {unknown} that generate_inputs did not "
                          f"return (it returned {list(tensors)})")
    left_out = [n for n in tensors if n not in order]
    if left_out:
        raise GoldenError(f"{path}: TENSOR_ORDER leaves out {left_out}, which generate_inputs "
                          "returned; every tensor is an argument of the orchestration, so list "
                          f"it in TENSOR_ORDER (or stop returning it)")
    return order


def output_names(path: Path, module, names: list) -> list:
    declared = name_list(path, module, "__outputs__")
    if declared == []:
        raise GoldenError(f"{path}: __outputs__ is empty, so nothing would be checked; name the "
                          "output tensors in it")
    if declared is not None:
        unknown = [n for n in declared if n not in names]
        if unknown:
            raise GoldenError(f"{path}: __outputs__ names {unknown}, which are not among the "
                              f"tensors {names}")
        return declared
    outputs = [n for n in names if n.startswith("out_")]
    if not outputs:
        raise GoldenError(f"{path}: no outputs: list them in __outputs__ or give output "
                          "tensors names starting with out_")
    return outputs


def save(path: Path, array: np.ndarray) -> None:
    with open(path, "wb") as f:
        np.save(f, array, allow_pickle=False)


def list_form(path: Path, generated) -> list:
    """The (name, value) pairs of the list form, checked."""
    pairs = []
    for position, pair in enumerate(generated):
        if not isinstance(pair, (list, tuple)) or len(pair) != 2:
            raise GoldenError(f"{path}: generate_inputs returned a list whose item {position} is "
                              f"{pair!r}, not a (name, value) pair")
        name, value = pair
        if not isinstance(name, str) or not name:
            raise GoldenError(f"{path}: generate_inputs returned the name {name!r} at item "
                              f"{position}; name every item with a non-empty string")
        if any(name == seen for seen, _ in pairs):
            raise GoldenError(f"{path}: generate_inputs returned '{name}' twice")
        if scalar_kind(value) is None and not is_torch(value) and not isinstance(value, np.ndarray):
            kind = type(value)
            what = f"{kind.__module__}.{kind.__name__}" if kind.__module__ != "builtins" else kind.__name__
            raise GoldenError(f"{path}: generate_inputs returned {what} for '{name}'; the list form "
                              "takes numpy arrays, torch tensors or ctypes scalars (ctypes.c_int8 .. "
                              "c_int64, c_uint8 .. c_uint64, c_bool, c_float, c_double)")
        pairs.append((name, value))
    return pairs


def prepare_case(path: Path, module, index: int, case_name, params, out_dir: Path) -> dict:
    where = f" for case {case_name if case_name is not None else index} ({params})"
    generated = call_user(path, "generate_inputs", where, module.generate_inputs, params)
    form = "list" if isinstance(generated, (list, tuple)) else "dict"
    if form == "list":
        if not generated:
            raise GoldenError(f"{path}: generate_inputs returned an empty list")
        items = dict(list_form(path, generated))
    else:
        if not isinstance(generated, dict) or not generated:
            raise GoldenError(f"{path}: generate_inputs must return a non-empty dict of tensors "
                              "or a list of (name, value) pairs")
        keys = [k for k in generated if not isinstance(k, str)]
        if keys:
            raise GoldenError(f"{path}: generate_inputs returned key(s) {keys} that are not "
                              "strings; name every tensor with a string")
        scalars = [k for k, v in generated.items() if scalar_kind(v) is not None]
        if scalars:
            raise GoldenError(f"{path}: generate_inputs returned ctypes scalar(s) {scalars} in a "
                              "dict; scalars need the list form (return a list of (name, value) "
                              "pairs), or pass them as a small tensor")
        items = dict(generated)
    tensors = {n: as_numpy(path, n, v) for n, v in items.items() if scalar_kind(v) is None}
    if form == "list":
        order = list(items)
        given = name_list(path, module, "TENSOR_ORDER")
        if given is not None and given != order:
            raise GoldenError(f"{path}: TENSOR_ORDER {given} differs from the order of the list "
                              f"generate_inputs returned {order}; the list form passes items in "
                              "list order (drop TENSOR_ORDER or make them agree)")
    else:
        order = tensor_order(path, module, tensors)
    scalars = [n for n in order if n not in tensors]
    declared = name_list(path, module, "__outputs__") or []
    passed_by_value = [n for n in scalars if n in declared or (not declared and n.startswith("out_"))]
    if passed_by_value:
        raise GoldenError(f"{path}: {passed_by_value} would be outputs but are ctypes scalars, passed "
                          "by value: nothing can come back through them; make them tensors (a "
                          "one-element array), or rename them")
    outputs = output_names(path, module, [n for n in order if n in tensors])

    # compute_golden sees what generate_inputs made: torch tensors as torch
    # tensors, numpy arrays as numpy arrays (copies), scalars as numbers.
    expected = {}
    for n in order:
        value = items[n]
        if scalar_kind(value) is not None:
            expected[n] = value.value
        elif is_torch(value):
            expected[n] = value.detach().clone()
        else:
            expected[n] = tensors[n].copy()
    call_user(path, "compute_golden", where, module.compute_golden, expected, params)

    case_dir = out_dir / f"case{index}"
    case_dir.mkdir(parents=True, exist_ok=True)
    entries = []
    for position, item in enumerate(order):
        kind = scalar_kind(items[item])
        if kind is not None:
            # The bits as a string: JSON numbers are doubles to the reader.
            entries.append({"name": item, "kind": "scalar", "ctype": kind,
                            "bits": str(scalar_bits(items[item])), "output": False})
            continue
        name = item
        array = tensors[name]
        entry = {"name": name, "kind": "tensor", "input": f"case{index}/{position}_in.npy",
                 "dtype": array.dtype.str, "shape": list(array.shape),
                 "nbytes": int(array.nbytes), "output": name in outputs}
        save(out_dir / entry["input"], array)
        if entry["output"]:
            golden = as_numpy(path, name, expected[name])
            if golden.shape != array.shape:
                raise GoldenError(f"{path}: compute_golden changed the shape of '{name}' from "
                                  f"{array.shape} to {golden.shape}; fill outputs in place")
            entry["golden"] = f"case{index}/{position}_golden.npy"
            save(out_dir / entry["golden"], golden.astype(array.dtype, copy=False))
        entries.append(entry)
    label = "{" + ", ".join(f"{k}: {v!r}" for k, v in params.items()) + "}"
    return {"index": index, "name": case_name, "params": label, "form": form,
            "tensors": entries}


def prepare_scene_test(args, example_dir: Path) -> None:
    """A folder with a test_*.py and no golden.py: upstream's scene test."""
    import scene_golden

    out_dir = Path(args.out)
    try:
        # --all-cases: every case of the platform, the manual ones included.
        manual = "include" if args.all_cases else args.manual
        manifest = scene_golden.prepare(example_dir, out_dir, args.platform, args.case or [],
                                        manual, save)
    except scene_golden.SceneError as exc:
        raise GoldenError(str(exc)) from exc
    except _OutOfTime as exc:
        raise GoldenError(f"{example_dir}: the golden step was still running when its bound of "
                          f"{_bound[0]} s ran out (an endless loop?); pto-run --golden-timeout "
                          "SECONDS raises the bound") from exc
    (out_dir / "manifest.json").write_text(json.dumps(manifest, indent=1, default=str,
                                                      allow_nan=False))


def prepare(args) -> None:
    example_dir = Path(args.example).resolve()
    if example_dir.is_file() or (not (example_dir / "golden.py").is_file()
                                 and any(example_dir.glob("test_*.py"))):
        prepare_scene_test(args, example_dir)
        return
    if args.case and len(args.case) > 1:
        raise GoldenError(f"{example_dir / 'golden.py'}: --case is given {len(args.case)} times; "
                          "a golden.py example takes one (an index or a name of ALL_CASES)")
    args.case = args.case[0] if args.case else None
    path, module = load_golden(example_dir)
    cases_defined = cases_of(path, module)
    rtol, atol = tolerance(path, module, "RTOL"), tolerance(path, module, "ATOL")
    nan_matches = equal_nan(path, module)
    indices = chosen_cases(path, module, cases_defined, "all" if args.all_cases else args.case)
    out_dir = Path(args.out)
    cases = [prepare_case(path, module, i, cases_defined[i][0], cases_defined[i][1], out_dir)
             for i in indices]
    manifest = {
        "golden": str(path),
        "rtol": rtol,
        "atol": atol,
        "equal_nan": nan_matches,
        "case_count": len(cases_defined),
        "cases": cases,
    }
    # allow_nan=False: the runner's JSON reader takes no NaN, and none can be here.
    (out_dir / "manifest.json").write_text(json.dumps(manifest, indent=1, default=str,
                                                      allow_nan=False))


def compare_main(argv) -> int:
    """`example_golden.py compare FOLDER --state FILE NAME=ACTUAL.npy...`: a
    scene test's own compare_outputs on a case's outputs. Exit 0 passed, 1
    mismatch (its message on stdout), 2 error."""
    import scene_golden

    parser = argparse.ArgumentParser(prog="example_golden.py compare")
    parser.add_argument("example")
    parser.add_argument("--state", required=True)
    parser.add_argument("actual", nargs="*", help="NAME=PATH of each output the device wrote")
    args = parser.parse_intermixed_args(argv)
    die_with_parent()
    actual = dict(item.split("=", 1) for item in args.actual)
    try:
        message = scene_golden.compare(Path(args.example).resolve(), Path(args.state), actual)
    except scene_golden.SceneError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if message:
        print(message)
        return 1
    return 0


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] == "compare":
        return compare_main(sys.argv[2:])
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("example", help="example folder holding golden.py")
    parser.add_argument("--out", required=True, help="folder for the .npy files and manifest")
    parser.add_argument("--case", action="append",
                        help="only this case: an index, or a name of ALL_CASES (a scene test: "
                        "Foo, Cls::Foo, Cls:: or ::Foo, repeatable)")
    parser.add_argument("--platform", default="a2a3sim",
                        help="a scene test's cases run where their platforms say")
    parser.add_argument("--manual", default="exclude", choices=("exclude", "include", "only"),
                        help="a scene test's manual cases: left out, run too, or run alone")
    parser.add_argument("--all-cases", action="store_true",
                        help="every case, also where golden.py names a DEFAULT_CASE")
    parser.add_argument("--timeout", type=int, default=600,
                        help="seconds the whole step may take (default 600)")
    args = parser.parse_args()
    die_with_parent()
    try:
        bound_the_step(args.timeout)
        prepare(args)
    except GoldenError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
