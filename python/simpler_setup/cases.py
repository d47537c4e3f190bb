"""Which cases of a scene-test module run (SCENETEST.md §6): the case's
platforms must hold the platform, then the --case selectors apply, then the
manual mode. The same code decides for python test_x.py, pytest and pto-run."""

import inspect

MANUAL_MODES = ("exclude", "include", "only")
MODE_TEXT = {"exclude": "with manual cases left out (--manual runs them too)",
             "include": "with manual cases included",
             "only": "with only manual cases (--manual only)"}


class SelectionError(ValueError):
    """A selector that names nothing, or nothing left to run (exit 2)."""


def scene_classes(module) -> list:
    """The module's classes marked with @scene_test, in definition order."""
    from simpler_setup.scene_test import SceneTestCase

    found = [obj for _, obj in inspect.getmembers(module, inspect.isclass)
             if issubclass(obj, SceneTestCase) and obj is not SceneTestCase
             and getattr(obj, "_st_runtime", None) is not None
             and obj.__module__ == module.__name__]
    return sorted(found, key=lambda c: inspect.getsourcelines(c)[1])


def is_manual(case: dict, platform: str) -> bool:
    manual = case.get("manual", False)
    if isinstance(manual, bool):
        return manual
    if isinstance(manual, str):
        return manual == platform
    return platform in manual


def _parse(selector: str):
    """(class or None, case or None) of `Foo`, `Cls::Foo`, `Cls::`, `::Foo`."""
    if "::" not in selector:
        return None, selector
    cls, case = selector.split("::", 1)
    return cls or None, case or None


def _check_selectors(classes, selectors) -> None:
    names = {c.__name__: {case["name"] for case in c.CASES} for c in classes}
    for selector in selectors:
        cls, case = _parse(selector)
        if cls is not None and cls not in names:
            raise SelectionError(f"--case {selector}: no class {cls!r} (the classes are "
                                 f"{', '.join(names) or 'none'})")
        pool = names[cls] if cls is not None else set().union(*names.values())
        if case is not None and case not in pool:
            raise SelectionError(f"--case {selector}: no case {case!r}"
                                 f"{' in ' + cls if cls else ''} (the cases are "
                                 f"{', '.join(sorted(pool)) or 'none'})")


def _selected(cls, case, selectors) -> bool:
    if not selectors:
        return True
    for selector in selectors:
        want_cls, want_case = _parse(selector)
        if want_cls not in (None, cls.__name__):
            continue
        if want_case in (None, case["name"]):
            return True
    return False


def select(classes, platform: str, selectors=(), manual_mode: str = "exclude") -> list:
    """[(class, case)] to run, in order; SelectionError when a selector names
    nothing or nothing is left."""
    if manual_mode not in MANUAL_MODES:
        raise SelectionError(f"--manual {manual_mode}: choose one of {', '.join(MANUAL_MODES)}")
    if not classes:
        raise SelectionError("the module has no class marked with @scene_test")
    _check_selectors(classes, selectors)
    chosen = []
    for cls in classes:
        for case in cls.CASES:
            if platform not in case.get("platforms", []):
                continue
            if not _selected(cls, case, selectors):
                continue
            manual = is_manual(case, platform)
            if (manual_mode == "exclude" and manual) or (manual_mode == "only" and not manual):
                continue
            chosen.append((cls, case))
    if not chosen:
        every = [f"{c.__name__}::{case['name']} ({', '.join(case.get('platforms', []))}"
                 f"{', manual' if is_manual(case, platform) else ''})"
                 for c in classes for case in c.CASES]
        raise SelectionError(f"no case to run on {platform} {MODE_TEXT[manual_mode]}"
                             f"{' and --case ' + ' '.join(selectors) if selectors else ''}; the "
                             f"cases are: {'; '.join(every)}")
    return chosen


def case_label(classes, cls, case) -> str:
    """How a case is named in output: `Cls::name` when the module has more
    than one class, else its name."""
    return f"{cls.__name__}::{case['name']}" if len(classes) > 1 else case["name"]
