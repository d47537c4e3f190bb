"""pytest plugin for upstream scene tests, registered by `make deps` (an
entry point of the project's Python package), so a user's tree needs no
conftest.py: `pytest <folders> --platform a2a3sim [--case SEL] [--manual]`.
Each SceneTestCase class is one item, test_run, which runs the class's
selected cases through pto-run. A class with no case for the platform and
manual mode is deselected."""

import pytest

from simpler_setup import cases as scene_cases
from simpler_setup.scene_test import SceneTestCase


def pytest_addoption(parser):
    group = parser.getgroup("scene tests (PTO runtime)")
    group.addoption("--platform", choices=("a2a3sim", "a2a3"), default=None,
                    help="platform the scene tests run on (required to run them)")
    group.addoption("--case", action="append", default=[], dest="st_case",
                    help="Foo, Cls::Foo, Cls:: or ::Foo (repeatable)")
    group.addoption("--manual", nargs="?", const="include", default="exclude",
                    choices=scene_cases.MANUAL_MODES, dest="st_manual",
                    help="manual cases: exclude (default), include (the flag alone), only")


def _scene_class(item):
    cls = getattr(item, "cls", None)
    if cls is not None and issubclass(cls, SceneTestCase) and getattr(cls, "_st_runtime", None):
        return cls
    return None


def pytest_collection_modifyitems(config, items):
    platform = config.getoption("platform")
    if platform is None:
        return
    manual = config.getoption("st_manual")
    kept, dropped = [], []
    for item in items:
        cls = _scene_class(item)
        if cls is None:
            kept.append(item)
            continue
        try:
            scene_cases.select([cls], platform, [], manual)
            kept.append(item)
        except scene_cases.SelectionError:
            dropped.append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


@pytest.fixture
def st_platform(request):
    platform = request.config.getoption("platform")
    if platform is None:
        pytest.skip("--platform required (e.g. --platform a2a3sim)")
    return platform


@pytest.fixture
def st_case_selectors(request):
    return list(request.config.getoption("st_case"))


@pytest.fixture
def st_manual_mode(request):
    return request.config.getoption("st_manual")
