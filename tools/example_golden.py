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
import importlib.util
import json
import math
import signal
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
    except Exception as exc:
        raise GoldenError(f"{path}: {step} failed{where}: {type(exc).__name__}: {exc}") from exc


def is_number(value) -> bool:
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(
        value, (bool, np.bool_))


def tolerance(path: Path, module, name: str) -> float:
    value = getattr(module, name, DEFAULT_TOLERANCE)
    if not is_number(value) or not math.isfinite(float(value)) or float(value) < 0:
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
                          f"write {setting} = [{value!r}]")
    if not isinstance(value, (list, tuple)) or not all(isinstance(n, str) for n in value):
        raise GoldenError(f"{path}: {setting} = {value!r} is not a list of tensor names "
                          f"(strings), e.g. {setting} = ['a', 'out']")
    repeated = sorted({n for n in value if list(value).count(n) > 1})
    if repeated:
        raise GoldenError(f"{path}: {setting} names {repeated} more than once")
    return list(value)


def params_list_of(path: Path, module) -> list:
    value = getattr(module, "PARAMS_LIST", None)
    if value is None:
        return [{}]
    if not isinstance(value, (list, tuple)):
        raise GoldenError(f"{path}: PARAMS_LIST = {value!r} is not a list of cases; write "
                          "PARAMS_LIST = [{...}, ...], one dict of parameters a case")
    if not value:
        raise GoldenError(f"{path}: PARAMS_LIST is empty, so there is no case to run; give at "
                          "least one dict of parameters (or leave PARAMS_LIST out for one case "
                          "with no parameters)")
    for index, params in enumerate(value):
        if not isinstance(params, dict):
            raise GoldenError(f"{path}: PARAMS_LIST[{index}] is {type(params).__name__}, not a "
                              "dict of parameters")
        keys = [k for k in params if not isinstance(k, str)]
        if keys:
            raise GoldenError(f"{path}: PARAMS_LIST[{index}] has key(s) {keys} that are not "
                              "strings; name parameters with strings")
    return list(value)


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


def prepare_case(path: Path, module, index: int, params, out_dir: Path) -> dict:
    generated = call_user(path, "generate_inputs", f" for case {index} ({params})",
                          module.generate_inputs, params)
    if isinstance(generated, (list, tuple)) and all(
            isinstance(p, (list, tuple)) and len(p) == 2 for p in generated):
        generated = dict(generated)  # older goldens return (name, tensor) pairs
    if not isinstance(generated, dict) or not generated:
        raise GoldenError(f"{path}: generate_inputs must return a non-empty dict of tensors")
    keys = [k for k in generated if not isinstance(k, str)]
    if keys:
        raise GoldenError(f"{path}: generate_inputs returned key(s) {keys} that are not strings; "
                          "name every tensor with a string")
    tensors = {name: as_numpy(path, name, value) for name, value in generated.items()}
    order = tensor_order(path, module, tensors)
    outputs = output_names(path, module, order)

    expected = copy.deepcopy(tensors)
    call_user(path, "compute_golden", f" for case {index} ({params})", module.compute_golden,
              expected, params)

    case_dir = out_dir / f"case{index}"
    case_dir.mkdir(parents=True, exist_ok=True)
    entries = []
    for position, name in enumerate(order):
        array = tensors[name]
        entry = {"name": name, "input": f"case{index}/{position}_in.npy",
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
    return {"index": index, "params": label, "tensors": entries}


def prepare(args) -> None:
    example_dir = Path(args.example).resolve()
    path, module = load_golden(example_dir)
    params_list = params_list_of(path, module)
    rtol, atol = tolerance(path, module, "RTOL"), tolerance(path, module, "ATOL")
    nan_matches = equal_nan(path, module)
    indices = range(len(params_list))
    if args.case is not None:
        if not 0 <= args.case < len(params_list):
            raise GoldenError(f"{path}: --case {args.case} is out of range; PARAMS_LIST has "
                              f"{len(params_list)} case(s), 0..{len(params_list) - 1}")
        indices = [args.case]
    out_dir = Path(args.out)
    cases = [prepare_case(path, module, i, params_list[i], out_dir) for i in indices]
    manifest = {
        "golden": str(path),
        "rtol": rtol,
        "atol": atol,
        "equal_nan": nan_matches,
        "case_count": len(params_list),
        "cases": cases,
    }
    # allow_nan=False: the runner's JSON reader takes no NaN, and none can be here.
    (out_dir / "manifest.json").write_text(json.dumps(manifest, indent=1, default=str,
                                                      allow_nan=False))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("example", help="example folder holding golden.py")
    parser.add_argument("--out", required=True, help="folder for the .npy files and manifest")
    parser.add_argument("--case", type=int, help="only this index of PARAMS_LIST")
    parser.add_argument("--timeout", type=int, default=600,
                        help="seconds the whole step may take (default 600)")
    args = parser.parse_args()
    try:
        bound_the_step(args.timeout)
        prepare(args)
    except GoldenError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
