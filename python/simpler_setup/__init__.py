"""This project's implementation of upstream's scene-test harness
(`simpler_setup`): describe a test with SceneTestCase, run it with
`python test_x.py -p a2a3sim`, pytest, `pto-run <folder>` or
`make run EXAMPLE=<folder>`; the run is pto-run's."""

from simpler_setup.scene_test import (  # noqa: F401
    Scalar,
    SceneTestCase,
    SceneTestError,
    SceneTestLevel,
    TaskArgsBuilder,
    TensorArg,
    scene_level,
    scene_test,
)


def parse_platform(name: str) -> str:
    """The platform name, checked: a2a3sim or a2a3."""
    if name not in ("a2a3sim", "a2a3"):
        raise ValueError(f"platform {name!r} is not one of a2a3sim, a2a3")
    return name


def torch_dtype_to_datatype(dtype):
    """simpler.task_interface.DataType of a torch dtype."""
    from simpler.task_interface import DataType

    name = str(dtype).replace("torch.", "").upper()
    try:
        return DataType[name]
    except KeyError as exc:
        raise ValueError(f"torch dtype {dtype} has no DataType") from exc
