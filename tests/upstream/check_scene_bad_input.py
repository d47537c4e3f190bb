"""Bad scene tests get one line naming the file (and line, or key) and a
non-zero exit, through pto-run and `python test_x.py`. Each case copies
upstream's vector_example to a temporary folder, breaks its test file one
way, and checks what the user is told. Usage: check_scene_bad_input.py
PTO_RUN VECTOR_EXAMPLE_FOLDER"""

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

PTO_RUN, SOURCE = sys.argv[1], Path(sys.argv[2])
TEST = "test_vector_example.py"
ENV = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")


def broken(edit, name):
    """A copy of the folder whose test file `edit` (text -> text) changed."""
    folder = Path(tempfile.mkdtemp(prefix=f"scene-{name}-"))
    shutil.copytree(SOURCE / "kernels", folder / "kernels")
    text = (SOURCE / TEST).read_text()
    (folder / TEST).write_text(edit(text))
    return folder


def replace(old, new):
    def edit(text):
        assert old in text, f"the upstream test no longer has {old!r}"
        return text.replace(old, new, 1)
    return edit


def pto_run(folder, *extra):
    return subprocess.run([PTO_RUN, str(folder), "--manual", *extra],
                          capture_output=True, text=True, env=ENV)


def pytest_run(folder, *extra):
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "-rs",
                           str(folder), "--platform", "a2a3sim", *extra],
                          capture_output=True, text=True, env=ENV)


# A second class in the same file: a selector of one class leaves the other.
SECOND_CLASS = '''

@scene_test(level=2, runtime="tensormap_and_ringbuffer")
class TestOther(TestVectorExample):
    CASES = [{"name": "other", "platforms": ["a2a3sim"], "params": {}}]

'''


def standalone(folder, *extra):
    return subprocess.run([sys.executable, str(folder / TEST), *extra],
                          capture_output=True, text=True, env=ENV)


# A compare_outputs of the test's own, called after the run with the
# device's outputs and the golden, as upstream calls it.
OWN_COMPARE = '''

    def compare_outputs(self, test_args, golden_args, output_names, params):
        assert output_names == ["f"], output_names
        {check}'''

CASES = [
    ("import fails", replace("import torch\n", "import torch\nraise RuntimeError('broken on purpose')\n"),
     pto_run, (), 2, [f"{TEST}:", "importing the test failed: RuntimeError: broken on purpose"]),
    ("no scene test class", replace("@scene_test(level=2, runtime=\"tensormap_and_ringbuffer\")\n", ""),
     pto_run, (), 2, ["no class marked with @scene_test"]),
    ("missing source", replace("kernels/aiv/kernel_mul.cpp", "kernels/aiv/kernel_gone.cpp"),
     pto_run, (), 2, ["kernel_gone.cpp: file not found"]),
    ("repeated func_id", replace('"func_id": 2', '"func_id": 1'),
     pto_run, (), 2, [f"{TEST}:", "repeats func_id 1"]),
    ("bad core_type", replace('"core_type": "aiv",\n                "signature": [D.IN, D.OUT]',
                              '"core_type": "vec",\n                "signature": [D.IN, D.OUT]'),
     pto_run, (), 2, ["core_type is 'vec'; give 'aic' or 'aiv'"]),
    ("unknown case key", replace('"params": {},', '"params": {},\n            "block_dim": 4,'),
     pto_run, (), 2, ["CASES 'default' has the unknown key(s) ['block_dim']"]),
    ("unknown config key", replace('"params": {},', '"params": {},\n            "config": {"block_dim": 4},'),
     pto_run, (), 2, ["config has the unknown key(s) ['block_dim']"]),
    ("generate_args returns a dict", replace("        return TaskArgsBuilder(", "        return dict(x=1) or TaskArgsBuilder("),
     pto_run, (), 1, ["FAIL ", "generate_args for case default returned dict; return a TaskArgsBuilder"]),
    ("compute_golden raises", replace("        args.f[:] =", "        {}['out']\n        args.f[:] ="),
     pto_run, (), 1, ["FAIL ", f"{TEST}:", "compute_golden for case default failed: KeyError: 'out'"]),
    ("golden leaves an output untouched", replace("        args.f[:] =", "        _ ="),
     pto_run, (), 1, ["FAIL ", "compute_golden for case default never wrote the output 'f'"]),
    ("compare_outputs override called on a pass", replace("\n\nif __name__", OWN_COMPARE.format(
        check="assert torch.equal(test_args.f, golden_args.f), 'f differs'") + "\n\nif __name__"),
     pto_run, (), 0, ["PASS ", "the test's compare_outputs on f"]),
    ("compare_outputs override reports a mismatch", replace("\n\nif __name__", OWN_COMPARE.format(
        check="raise AssertionError(\"Golden mismatch on 'f': on purpose\")") + "\n\nif __name__"),
     pto_run, (), 1, ["FAIL ", "compare_outputs: Golden mismatch on 'f': on purpose"]),
    ("runtime given through a constant", replace('@scene_test(level=2, runtime="tensormap_and_ringbuffer")',
                                                 'RT = "tensormap_and_ringbuffer"\n\n\n@scene_test(level=2, runtime=RT)'),
     pto_run, (), 0, ["PASS "]),
    ("level 3 is named", replace("@scene_test(level=2,", "@scene_test(level=3,"),
     pto_run, (), 2, ["is @scene_test(level=3); only level 2 (one chip) runs here"]),
    ("pytest --case of one class leaves the other", replace("\n\nif __name__", SECOND_CLASS + "\nif __name__"),
     pytest_run, ("--case", "TestVectorExample::default", "--manual"), 0,
     ["1 passed, 1 skipped", "selects no case of TestOther"]),
    ("unknown platform", lambda t: t, standalone, ("-p", "a9sim"), 2, ["invalid choice: 'a9sim'"]),
    ("case names no case", lambda t: t, standalone, ("-p", "a2a3sim", "--case", "nope"), 2,
     ["ERROR: --case nope: no case 'nope'"]),
    ("nothing selected", lambda t: t, standalone, ("-p", "a2a3sim"), 2,
     ["ERROR: no case to run on a2a3sim with manual cases left out (--manual runs them too)"]),
]

passed = failed = 0


def judge(name, r, code, expected):
    """Counts one check: the exit code and every expected text."""
    global passed, failed
    said = r.stdout + r.stderr
    problems = [f"exit {r.returncode}, expected {code}"] if r.returncode != code else []
    problems += [f"no {e!r} in what it said" for e in expected if e not in said]
    if problems:
        failed += 1
        print(f"FAIL {name}: {'; '.join(problems)}\n{said[-1500:]}")
    else:
        passed += 1
        print(f"ok: {name}")


for name, edit, run, extra, code, expected in CASES:
    folder = broken(edit, name.replace(" ", "_"))
    try:
        judge(name, run(folder, *extra), code, expected)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
# A folder with two test files: naming the folder is refused, listing them;
# naming a file runs that one, through pto-run and python.
folder = broken(lambda t: t, "two_files")
try:
    (folder / "test_second.py").write_text(
        (folder / TEST).read_text().replace("class TestVectorExample", "class TestSecond"))
    checks = [("a folder with two test files is refused, naming them", pto_run(folder), 2,
               ["holds 2 test_*.py files (test_second.py, test_vector_example.py); name the one to run"]),
              ("naming one of the two files runs it", pto_run(folder / "test_second.py"), 0, ["PASS "]),
              ("python runs its own file beside another", standalone(folder, "-p", "a2a3sim", "--manual"), 0,
               ["1 passed, 0 failed"])]
    for name, r, code, expected in checks:
        judge(name, r, code, expected)
finally:
    shutil.rmtree(folder, ignore_errors=True)
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
