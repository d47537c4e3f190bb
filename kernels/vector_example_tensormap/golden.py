"""Golden for vector_example_tensormap: f = (a + b + 1) * (a + b + 2), float32.

The list form: tensors a, b, f then the rows per block (a scalar), handed to
the orchestration as ChipTaskArgs (tensors first, then scalars).
"""

import ctypes

import numpy as np

ALL_CASES = {
    "square": {"rows": 128, "cols": 128, "block": 16, "seed": 0},
    "wide": {"rows": 64, "cols": 256, "block": 5, "seed": 1},
    "ragged": {"rows": 7, "cols": 33, "block": 3, "seed": 2},
    "one_block": {"rows": 32, "cols": 32, "block": 32, "seed": 3},
    # 4096 scopes of 4 tasks: tiny rings (window 8) wrap thousands of times.
    "stream": {"rows": 4096, "cols": 16, "block": 1, "seed": 4},
}

RTOL = 1e-5
ATOL = 1e-5

__outputs__ = ["f"]


def generate_inputs(params):
    rng = np.random.default_rng(params["seed"])
    shape = (params["rows"], params["cols"])
    return [
        ("a", rng.uniform(-2.0, 2.0, shape).astype(np.float32)),
        ("b", rng.uniform(-2.0, 2.0, shape).astype(np.float32)),
        ("f", np.zeros(shape, dtype=np.float32)),
        ("block", ctypes.c_uint64(params["block"])),
    ]


def compute_golden(tensors, params):
    c = tensors["a"] + tensors["b"]
    tensors["f"][:] = (c + 1.0) * (c + 2.0)
