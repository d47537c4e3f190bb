"""Upstream's scene-test harness (SCENETEST.md): a test class describes the
callable (orchestration and kernels), its cases, how to make its arguments
and how to compute the golden. The run itself is pto-run's: the class is
read by the project's config and golden steps, and run_module and the
pytest plugin hand the folder to the runner through `make run`."""

import inspect
from enum import IntEnum
from pathlib import Path
from typing import Any, NamedTuple

from simpler.task_interface import ArgDirection

CASE_KEYS = {"name", "platforms", "params", "manual", "config", "skip_golden"}
CONFIG_KEYS = {"aicpu_thread_num", "runtime_env", "device_count", "num_sub_workers"}
RUNTIME_ENV_KEYS = {"ring_task_window", "ring_heap", "ring_dep_pool"}
CALLABLE_KEYS = {"orchestration", "incores"}
ORCHESTRATION_KEYS = {"source", "function_name", "signature", "config_name", "name"}
INCORE_KEYS = {"func_id", "source", "core_type", "signature", "name", "extra_include_dirs"}


class SceneTestError(ValueError):
    """A scene test that cannot run as written: one line naming the file,
    the line and the key."""


class SceneTestLevel(IntEnum):
    CHIP = 2
    NODE = 3
    NETWORK1 = 4


class TensorArg(NamedTuple):
    name: str
    value: Any


class Scalar(NamedTuple):
    name: str
    value: Any


def _is_tensor(value) -> bool:
    return hasattr(value, "clone") and hasattr(value, "dtype") and hasattr(value, "shape")


class TaskArgsBuilder:
    """The orchestration's arguments in order: tensors, then scalars.
    `args.<name>` reaches a value."""

    _MEMBERS = {"specs", "add_tensor", "add_scalar", "tensor_names", "clone"}

    def __init__(self, *specs):
        object.__setattr__(self, "specs", [])
        for spec in specs:
            if isinstance(spec, TensorArg):
                self.add_tensor(spec.name, spec.value)
            elif isinstance(spec, Scalar):
                self.add_scalar(spec.name, spec.value)
            else:
                raise ValueError(f"TaskArgsBuilder takes TensorArg and Scalar items, not "
                                 f"{type(spec).__name__} ({spec!r})")

    def _check_name(self, name: str) -> None:
        if not isinstance(name, str) or not name.isidentifier():
            raise ValueError(f"argument name {name!r} is not an identifier")
        if name in self._MEMBERS or name.startswith("_"):
            raise ValueError(f"argument name {name!r} clashes with a TaskArgsBuilder member")
        if any(s.name == name for s in self.specs):
            raise ValueError(f"argument name {name!r} is given twice")

    def add_tensor(self, name: str, value) -> "TaskArgsBuilder":
        self._check_name(name)
        if any(isinstance(s, Scalar) for s in self.specs):
            raise ValueError(f"tensor {name!r} comes after a scalar; tensors come first")
        self.specs.append(TensorArg(name, value))
        return self

    def add_scalar(self, name: str, value) -> "TaskArgsBuilder":
        self._check_name(name)
        self.specs.append(Scalar(name, value))
        return self

    def tensor_names(self) -> list:
        return [s.name for s in self.specs if isinstance(s, TensorArg)]

    def clone(self) -> "TaskArgsBuilder":
        """Tensors cloned, scalars shallow-copied."""
        copy = TaskArgsBuilder()
        for s in self.specs:
            if isinstance(s, TensorArg):
                value = s.value.clone() if _is_tensor(s.value) else s.value.copy()
                copy.specs.append(TensorArg(s.name, value))
            else:
                copy.specs.append(Scalar(s.name, s.value))
        return copy

    def __getattr__(self, name):
        for s in object.__getattribute__(self, "specs"):
            if s.name == name:
                return s.value
        raise AttributeError(f"TaskArgsBuilder has no argument {name!r}")

    def __setattr__(self, name, value):
        for i, s in enumerate(self.specs):
            if s.name == name:
                self.specs[i] = type(s)(name, value)
                return
        raise AttributeError(f"TaskArgsBuilder has no argument {name!r}; add it with "
                             "add_tensor or add_scalar")


def _where(cls) -> str:
    """file:line of a test class, for error messages."""
    try:
        return f"{inspect.getsourcefile(cls)}:{inspect.getsourcelines(cls)[1]}"
    except (OSError, TypeError):
        return f"{getattr(cls, '__module__', '?')}.{cls.__name__}"


def _folder_of(cls) -> Path:
    source = inspect.getsourcefile(cls)
    return Path(source).resolve().parent if source else Path.cwd()


def _check_manual(where: str, name, manual) -> None:
    if isinstance(manual, (bool, str)):
        return
    if isinstance(manual, (list, tuple, set)) and all(isinstance(p, str) for p in manual):
        return
    raise SceneTestError(f"{where}: CASES {name!r} 'manual' is {manual!r}; give True/False, a "
                         "platform name or a list of platforms")


def _check_config(where: str, name, config) -> None:
    if not isinstance(config, dict):
        raise SceneTestError(f"{where}: CASES {name!r} 'config' is {config!r}, not a dict")
    unknown = sorted(set(config) - CONFIG_KEYS)
    if unknown:
        raise SceneTestError(f"{where}: CASES {name!r} config has the unknown key(s) {unknown}; a "
                             f"case's config takes only {sorted(CONFIG_KEYS)}")
    env = config.get("runtime_env", {})
    if not isinstance(env, dict):
        raise SceneTestError(f"{where}: CASES {name!r} runtime_env is {env!r}, not a dict")
    for key, value in env.items():
        if key not in RUNTIME_ENV_KEYS:
            raise SceneTestError(f"{where}: CASES {name!r} runtime_env has the unknown key {key!r}; "
                                 f"it takes {sorted(RUNTIME_ENV_KEYS)}")
        values = value if isinstance(value, (list, tuple)) else [value]
        if len(values) not in (1, 4) or not all(isinstance(v, int) and v > 0 for v in values):
            raise SceneTestError(f"{where}: CASES {name!r} runtime_env {key} is {value!r}; give a "
                                 "positive int for every ring or a list of four")
    threads = config.get("aicpu_thread_num", 0)
    if not isinstance(threads, int) or threads < 0:
        raise SceneTestError(f"{where}: CASES {name!r} aicpu_thread_num is {threads!r}; give 0 "
                             "(the default) or a thread count")


def check_cases(cls) -> None:
    """Upstream refuses these when the class is defined."""
    where = _where(cls)
    cases = getattr(cls, "CASES", None)
    if not isinstance(cases, (list, tuple)) or not cases:
        raise SceneTestError(f"{where}: CASES is {cases!r}; give a list of case dicts")
    names = set()
    for position, case in enumerate(cases):
        if not isinstance(case, dict):
            raise SceneTestError(f"{where}: CASES[{position}] is {case!r}, not a dict")
        name = case.get("name")
        if not isinstance(name, str) or not name:
            raise SceneTestError(f"{where}: CASES[{position}] has no 'name' (a non-empty string)")
        if name in names:
            raise SceneTestError(f"{where}: CASES has two cases named {name!r}")
        names.add(name)
        unknown = sorted(set(case) - CASE_KEYS)
        if unknown:
            raise SceneTestError(f"{where}: CASES {name!r} has the unknown key(s) {unknown}; a case "
                                 f"takes {sorted(CASE_KEYS)}")
        platforms = case.get("platforms", [])
        if not isinstance(platforms, (list, tuple)) or not all(isinstance(p, str) for p in platforms):
            raise SceneTestError(f"{where}: CASES {name!r} 'platforms' is {platforms!r}; give a list "
                                 "such as ['a2a3sim', 'a2a3']")
        if not isinstance(case.get("params", {}), dict):
            raise SceneTestError(f"{where}: CASES {name!r} 'params' is not a dict")
        _check_manual(where, name, case.get("manual", False))
        _check_config(where, name, case.get("config", {}))


def _resolve(folder: Path, where: str, what: str, value) -> str:
    if not isinstance(value, (str, Path)):
        raise SceneTestError(f"{where}: {what} is {value!r}, not a path")
    path = Path(value) if Path(value).is_absolute() else folder / value
    return str(path.resolve())


def resolve_callable(cls) -> None:
    """Checks CALLABLE and makes its source paths absolute (relative ones
    are the test file's, `../` included)."""
    where, folder = _where(cls), _folder_of(cls)
    spec = getattr(cls, "CALLABLE", None)
    if not isinstance(spec, dict) or set(spec) - CALLABLE_KEYS or "orchestration" not in spec:
        raise SceneTestError(f"{where}: CALLABLE must be a dict with 'orchestration' and 'incores'")
    orch = dict(spec["orchestration"])
    unknown = sorted(set(orch) - ORCHESTRATION_KEYS)
    if unknown:
        raise SceneTestError(f"{where}: CALLABLE['orchestration'] has the unknown key(s) {unknown}")
    for key in ("source", "function_name"):
        if key not in orch:
            raise SceneTestError(f"{where}: CALLABLE['orchestration'] has no {key!r}")
    orch["source"] = _resolve(folder, where, "CALLABLE['orchestration']['source']", orch["source"])
    incores, seen = [], set()
    for position, incore in enumerate(spec.get("incores", [])):
        incore = dict(incore)
        label = f"CALLABLE['incores'][{position}]"
        unknown = sorted(set(incore) - INCORE_KEYS)
        if unknown:
            raise SceneTestError(f"{where}: {label} has the unknown key(s) {unknown}")
        func_id = incore.get("func_id")
        if not isinstance(func_id, int) or isinstance(func_id, bool) or func_id < 0:
            raise SceneTestError(f"{where}: {label} func_id is {func_id!r}; give an int >= 0")
        if func_id in seen:
            raise SceneTestError(f"{where}: {label} repeats func_id {func_id}")
        seen.add(func_id)
        if incore.get("core_type") not in ("aic", "aiv"):
            raise SceneTestError(f"{where}: {label} core_type is {incore.get('core_type')!r}; "
                                 "give 'aic' or 'aiv'")
        incore["source"] = _resolve(folder, where, f"{label}['source']", incore.get("source"))
        incores.append(incore)
    cls.CALLABLE = {"orchestration": orch, "incores": incores}


def scene_test(level, runtime):
    """Marks a SceneTestCase: its level and runtime. Checks CASES and
    resolves CALLABLE's paths when the class is defined."""

    def mark(cls):
        if not (isinstance(cls, type) and issubclass(cls, SceneTestCase)):
            raise SceneTestError(f"{_where(cls)}: @scene_test marks SceneTestCase subclasses")
        cls._st_level = int(level)
        cls._st_runtime = runtime
        check_cases(cls)
        resolve_callable(cls)
        return cls

    return mark


def scene_level(level):
    """Sets a class's level alone (upstream's helper)."""

    def mark(cls):
        cls._st_level = int(level)
        return cls

    return mark


class SceneTestCase:
    """Subclass with CALLABLE, CASES, generate_args and compute_golden, and
    mark it with @scene_test(level=2, runtime="tensormap_and_ringbuffer")."""

    RTOL = 1e-5
    ATOL = 1e-5
    SKIP_GOLDEN = False
    RUNTIME_ENV: dict = {}
    CALLABLE: dict = {}
    CASES: list = []

    def generate_args(self, params):
        raise NotImplementedError(f"{type(self).__name__} defines no generate_args(self, params)")

    def compute_golden(self, args, params):
        raise NotImplementedError(f"{type(self).__name__} defines no compute_golden(self, args, "
                                  "params)")

    def compare_outputs(self, test_args, golden_args, output_names, params):
        import torch

        for name in output_names:
            actual, expected = getattr(test_args, name), getattr(golden_args, name)
            if not torch.allclose(actual, expected, rtol=self.RTOL, atol=self.ATOL):
                diff = (actual.float() - expected.float()).abs().max().item()
                raise AssertionError(f"Golden mismatch on '{name}': max_diff={diff}, "
                                     f"rtol={self.RTOL}, atol={self.ATOL}")

    @classmethod
    def output_names(cls):
        """The TensorArgs the signature marks OUT or INOUT, by position."""
        signature = cls.CALLABLE.get("orchestration", {}).get("signature", [])
        return [i for i, d in enumerate(signature) if d in (ArgDirection.OUT, ArgDirection.INOUT)]

    def test_run(self, st_platform, st_case_selectors, st_manual_mode):
        """The pytest item: every selected case of this class, run by pto-run."""
        from simpler_setup import runner

        runner.run_class_under_pytest(type(self), st_platform, st_case_selectors, st_manual_mode)

    @staticmethod
    def run_module(module_name):
        """`python test_x.py -p a2a3sim [--case SEL] [--manual [MODE]]`."""
        from simpler_setup import runner

        raise SystemExit(runner.main(module_name))
