"""The golden step for an upstream scene test (a folder with a test_*.py):
for each selected case, generate_args, then compute_golden on a clone of the
arguments, written as the runner reads golden.py's cases (example_golden.py's
manifest, list form: tensors in order, then scalars).

Errors are one line naming the test file (and, for the user's code, the line
that raised); example_golden.py prints them and exits 2."""

import importlib.util
import sys
import traceback
from pathlib import Path

import numpy as np

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT / "python"))

from simpler.task_interface import ArgDirection, scalar_to_uint64  # noqa: E402
from simpler_setup import cases as scene_cases  # noqa: E402
from simpler_setup.scene_test import SceneTestCase, SceneTestError, TaskArgsBuilder, TensorArg  # noqa: E402

TORCH_INSTALL = "make deps installs a CPU build of torch (or: pip install torch==2.13.0+cpu)"
# The torch dtypes a tensor argument may have.
TORCH_TYPES = {"float32", "float16", "bfloat16", "int8", "int16", "int32", "int64", "uint8",
               "uint16", "uint32", "bool"}


class SceneError(Exception):
    pass


def test_files(folder: Path) -> list:
    return sorted(folder.glob("test_*.py"))


def the_test_file(path: Path) -> Path:
    """The scene test a path names: the file itself, or a folder's one
    test_*.py."""
    if path.is_file():
        return path
    found = test_files(path)
    if len(found) != 1:
        names = ", ".join(f.name for f in found) or "none"
        raise SceneError(f"{path}: the folder holds {len(found)} test_*.py files ({names}); name "
                         f"the one to run, e.g. {path / (found[0].name if found else 'test_x.py')}")
    return found[0]


def user_line(exc: BaseException, path: Path) -> str:
    """file:line of the last frame of `exc` in the user's test file."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__)
              if Path(f.filename).resolve() == path.resolve()]
    return f"{path}:{frames[-1].lineno}" if frames else str(path)


def load(path: Path):
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[path.stem] = module
    sys.path.insert(0, str(path.parent))
    try:
        spec.loader.exec_module(module)
    except SceneTestError as exc:
        raise SceneError(str(exc)) from exc
    except ModuleNotFoundError as exc:
        if exc.name == "torch":
            raise SceneError(f"{path}: imports torch, which is not installed for {sys.executable}; "
                             f"{TORCH_INSTALL}") from exc
        raise SceneError(f"{user_line(exc, path)}: importing the test failed: "
                         f"{type(exc).__name__}: {exc}") from exc
    except Exception as exc:  # the user's code: whatever it raised
        raise SceneError(f"{user_line(exc, path)}: importing the test failed: "
                         f"{type(exc).__name__}: {exc}") from exc
    finally:
        sys.path.pop(0)
    return module


def call(path: Path, what: str, function, *args):
    try:
        return function(*args)
    except (SystemExit, KeyboardInterrupt) as exc:
        raise SceneError(f"{path}: {what} raised {type(exc).__name__}; it must return") from exc
    except Exception as exc:
        raise SceneError(f"{user_line(exc, path)}: {what} failed: {type(exc).__name__}: {exc}") from exc


def as_array(path: Path, where: str, name: str, value):
    """(numpy array of the tensor's bytes, element name for the manifest)."""
    if isinstance(value, np.ndarray):
        if value.dtype.kind not in "fiub" or value.dtype == np.float64:
            raise SceneError(f"{path}: {where}: tensor '{name}' has dtype {value.dtype}; use float32/16, "
                             "(u)int8..64 or bool")
        return np.ascontiguousarray(value), None
    if not hasattr(value, "detach"):
        raise SceneError(f"{path}: {where}: TensorArg '{name}' holds {type(value).__name__}; give a "
                         "torch tensor or a numpy array")
    dtype = str(value.dtype).replace("torch.", "")
    if dtype not in TORCH_TYPES:
        raise SceneError(f"{path}: {where}: tensor '{name}' has dtype torch.{dtype}; use float32, "
                         "float16, bfloat16, (u)int8..32, int64 or bool")
    if value.device.type != "cpu" or not value.is_contiguous():
        raise SceneError(f"{path}: {where}: tensor '{name}' must be a contiguous CPU tensor")
    if dtype != "bfloat16":
        return np.ascontiguousarray(value.detach().numpy()), None
    import torch  # numpy has no bfloat16: its 16-bit words, and the manifest says what they are

    return np.ascontiguousarray(value.detach().view(torch.int16).numpy().view(np.uint16)), "bfloat16"


def ring_sizes(config: dict) -> dict:
    """runtime_env as four values per ring setting."""
    env = config.get("runtime_env", {})
    names = {"ring_task_window": "task_window", "ring_heap": "heap_bytes", "ring_dep_pool": "dep_pool"}
    return {names[k]: (list(v) if isinstance(v, (list, tuple)) else [v] * 4) for k, v in env.items()}


def compares_itself(cls) -> bool:
    return cls.compare_outputs is not SceneTestCase.compare_outputs


def refuse_unsupported(path: Path, cls) -> None:
    if getattr(cls, "RUNTIME_ENV", {}):
        raise SceneError(f"{path}: {cls.__name__} sets RUNTIME_ENV, which this runner does not "
                         "apply yet; give ring sizes in a case's config runtime_env")


def prepare_case(path: Path, classes, cls, case, index: int, out_dir: Path, save) -> dict:
    label = scene_cases.case_label(classes, cls, case)
    where = f"case {label}"
    params = case.get("params", {})
    test = cls()
    args = call(path, f"generate_args for {where}", test.generate_args, params)
    if not isinstance(args, TaskArgsBuilder):
        raise SceneError(f"{path}: generate_args for {where} returned {type(args).__name__}; return "
                         "a TaskArgsBuilder(TensorArg(...), ..., Scalar(...))")
    signature = list(cls.CALLABLE["orchestration"].get("signature", []))
    tensors = [s for s in args.specs if isinstance(s, TensorArg)]
    if len(tensors) > len(signature):
        raise SceneError(f"{path}: generate_args for {where} gives {len(tensors)} tensors but the "
                         f"orchestration's signature has {len(signature)} entries")
    skip = case.get("skip_golden", cls.SKIP_GOLDEN)
    golden = args.clone()
    # torch counts in-place writes to a tensor: an OUT tensor whose count
    # compute_golden did not move was never written (writing the values it
    # already held, zeros say, counts).
    versions = {s.name: s.value._version for s in golden.specs
                if isinstance(s, TensorArg) and hasattr(s.value, "_version")}
    if not skip:
        call(path, f"compute_golden for {where}", test.compute_golden, golden, params)
    entries, position = [], 0
    (out_dir / f"case{index}").mkdir(parents=True, exist_ok=True)
    for spec in args.specs:
        if not isinstance(spec, TensorArg):
            entries.append({"name": spec.name, "kind": "scalar", "ctype": "uint64",
                            "bits": str(scalar_to_uint64(spec.value)), "output": False})
            continue
        array, element = as_array(path, where, spec.name, spec.value)
        is_output = (position < len(signature) and not skip
                     and signature[position] in (ArgDirection.OUT, ArgDirection.INOUT))
        entry = {"name": spec.name, "kind": "tensor", "input": f"case{index}/{position}_in.npy",
                 "dtype": array.dtype.str, "shape": list(array.shape), "nbytes": int(array.nbytes),
                 "output": is_output}
        if element:
            entry["element"] = element
        save(out_dir / entry["input"], array)
        if is_output:
            expected, _ = as_array(path, where, spec.name, getattr(golden, spec.name))
            written = getattr(golden, spec.name)
            if (signature[position] == ArgDirection.OUT and hasattr(written, "_version")
                    and written._version == versions.get(spec.name)):
                raise SceneError(f"{path}: compute_golden for {where} never wrote the output "
                                 f"'{spec.name}'; write the expected values into it in place "
                                 f"(args.{spec.name}[:] = ...)")
            if expected.shape != array.shape:
                raise SceneError(f"{path}: compute_golden for {where} changed the shape of "
                                 f"'{spec.name}' from {array.shape} to {expected.shape}; fill it in place")
            entry["golden"] = f"case{index}/{position}_golden.npy"
            save(out_dir / entry["golden"], expected)
        entries.append(entry)
        position += 1
    if compares_itself(cls) and not skip:
        # The class compares: keep both argument sets for the compare step,
        # which gets the device's outputs after the run.
        import torch

        state = f"case{index}/compare_state.pt"
        torch.save({"class": cls.__name__, "params": params, "test": list(args.specs),
                    "golden": list(golden.specs),
                    "outputs": [e["name"] for e in entries if e.get("output")]}, out_dir / state)
        for e in entries:
            e.pop("golden", None)
    config = case.get("config", {})
    result = {"index": index, "name": label, "params": "{" + ", ".join(
        f"{k}: {v!r}" for k, v in params.items()) + "}", "form": "list", "tensors": entries,
        "rtol": float(cls.RTOL), "atol": float(cls.ATOL)}
    if compares_itself(cls) and not skip:
        result["compare_state"] = state
    if config.get("aicpu_thread_num"):
        result["aicpu_threads"] = int(config["aicpu_thread_num"])
    if config.get("runtime_env"):
        result["ring_sizes"] = ring_sizes(config)
    return result


def prepare(folder: Path, out_dir: Path, platform: str, selectors, manual_mode: str, save) -> dict:
    path = the_test_file(folder)
    module = load(path)
    classes = scene_cases.scene_classes(module)
    try:
        chosen = scene_cases.select(classes, platform, selectors, manual_mode)
    except scene_cases.SelectionError as exc:
        raise SceneError(f"{path}: {exc}") from exc
    try:
        import torch

        torch.set_num_threads(min(8, torch.get_num_threads()))
    except ImportError:
        pass
    for cls in {c for c, _ in chosen}:
        refuse_unsupported(path, cls)
    out_cases = []
    for i, (cls, case) in enumerate(chosen):
        # A case whose own code fails fails alone, as upstream's do: the
        # others still run.
        try:
            out_cases.append(prepare_case(path, classes, cls, case, i, out_dir, save))
        except SceneError as exc:
            params = case.get("params", {})
            out_cases.append({"index": i, "name": scene_cases.case_label(classes, cls, case),
                              "params": "{" + ", ".join(f"{k}: {v!r}" for k, v in params.items()) + "}",
                              "form": "list", "tensors": [], "error": str(exc)})
    first = chosen[0][0]
    return {"golden": str(path), "rtol": float(first.RTOL), "atol": float(first.ATOL),
            "equal_nan": False, "case_count": sum(len(c.CASES) for c in classes),
            "cases": out_cases}


def compare(folder: Path, state_file: Path, actual: dict) -> str:
    """The class's compare_outputs on the device's outputs (`actual`: name ->
    .npy path) and the golden: '' when it passed, else its message."""
    import torch

    path = the_test_file(folder)
    module = load(path)
    state = torch.load(state_file, weights_only=False)
    classes = {c.__name__: c for c in scene_cases.scene_classes(module)}
    cls = classes.get(state["class"])
    if cls is None:
        raise SceneError(f"{path}: the class {state['class']} is gone since the golden step")
    test_args, golden_args = TaskArgsBuilder(), TaskArgsBuilder()
    golden_args.specs.extend(state["golden"])
    for spec in state["test"]:
        if spec.name in actual:
            array = np.load(actual[spec.name])
            value = torch.from_numpy(array.copy())
            if spec.value.dtype == torch.bfloat16:
                value = value.view(torch.bfloat16)
            spec = TensorArg(spec.name, value.reshape(spec.value.shape))
        test_args.specs.append(spec)
    try:
        cls().compare_outputs(test_args, golden_args, state["outputs"], state["params"])
    except AssertionError as exc:
        return str(exc) or f"{user_line(exc, path)}: compare_outputs failed"
    except Exception as exc:
        raise SceneError(f"{user_line(exc, path)}: compare_outputs raised {type(exc).__name__}: "
                         f"{exc}") from exc
    return ""
