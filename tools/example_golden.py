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
import sys
from pathlib import Path

import numpy as np

DEFAULT_TOLERANCE = 1e-5
SUPPORTED_KINDS = "fiub"  # float, signed, unsigned, bool


class GoldenError(Exception):
    pass


def load_golden(example_dir: Path):
    path = example_dir / "golden.py"
    if not path.is_file():
        raise GoldenError(f"{path}: missing; an example needs golden.py with generate_inputs "
                          "and compute_golden")
    spec = importlib.util.spec_from_file_location("pto_golden", path)
    module = importlib.util.module_from_spec(spec)
    sys.path.insert(0, str(example_dir))
    try:
        spec.loader.exec_module(module)
    except Exception as exc:
        raise GoldenError(f"{path}: failed to load: {type(exc).__name__}: {exc}") from exc
    finally:
        sys.path.pop(0)
    for name in ("generate_inputs", "compute_golden"):
        if not callable(getattr(module, name, None)):
            raise GoldenError(f"{path}: defines no function {name}(...)")
    return path, module


def as_numpy(path: Path, name: str, value) -> np.ndarray:
    if hasattr(value, "detach") and hasattr(value, "cpu"):  # a torch tensor
        value = value.detach().cpu().numpy()
    if not isinstance(value, np.ndarray):
        raise GoldenError(f"{path}: generate_inputs returned {type(value).__name__} for tensor "
                          f"'{name}'; return numpy arrays or torch tensors")
    if value.dtype.byteorder == ">":
        value = value.astype(value.dtype.newbyteorder("<"))
    if value.dtype.kind not in SUPPORTED_KINDS:
        raise GoldenError(f"{path}: tensor '{name}' has dtype {value.dtype}, which the runner "
                          "cannot pass; use float, integer or bool dtypes")
    return np.ascontiguousarray(value)


def tensor_order(path: Path, module, tensors: dict) -> list:
    order = getattr(module, "TENSOR_ORDER", None)
    if order is None:
        return list(tensors.keys())
    order = list(order)
    unknown = [n for n in order if n not in tensors]
    if unknown:
        raise GoldenError(f"{path}: TENSOR_ORDER names {unknown} that generate_inputs did not "
                          f"return (it returned {list(tensors)})")
    return order


def output_names(path: Path, module, names: list) -> list:
    declared = getattr(module, "__outputs__", None)
    if declared is not None:
        declared = list(declared)
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
    if not isinstance(params, dict):
        raise GoldenError(f"{path}: PARAMS_LIST[{index}] is {type(params).__name__}, not a dict")
    try:
        generated = module.generate_inputs(params)
    except Exception as exc:
        raise GoldenError(f"{path}: generate_inputs failed for case {index} ({params}): "
                          f"{type(exc).__name__}: {exc}") from exc
    if isinstance(generated, (list, tuple)) and all(
            isinstance(p, (list, tuple)) and len(p) == 2 for p in generated):
        generated = dict(generated)  # older goldens return (name, tensor) pairs
    if not isinstance(generated, dict) or not generated:
        raise GoldenError(f"{path}: generate_inputs must return a non-empty dict of tensors")
    tensors = {name: as_numpy(path, name, value) for name, value in generated.items()}
    order = tensor_order(path, module, tensors)
    outputs = output_names(path, module, order)

    expected = copy.deepcopy(tensors)
    try:
        module.compute_golden(expected, params)
    except Exception as exc:
        raise GoldenError(f"{path}: compute_golden failed for case {index} ({params}): "
                          f"{type(exc).__name__}: {exc}") from exc

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
    params_list = list(getattr(module, "PARAMS_LIST", [{}]) or [{}])
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
        "rtol": float(getattr(module, "RTOL", DEFAULT_TOLERANCE)),
        "atol": float(getattr(module, "ATOL", DEFAULT_TOLERANCE)),
        "case_count": len(params_list),
        "cases": cases,
    }
    (out_dir / "manifest.json").write_text(json.dumps(manifest, indent=1, default=str))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("example", help="example folder holding golden.py")
    parser.add_argument("--out", required=True, help="folder for the .npy files and manifest")
    parser.add_argument("--case", type=int, help="only this index of PARAMS_LIST")
    args = parser.parse_args()
    try:
        prepare(args)
    except GoldenError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
