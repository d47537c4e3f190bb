"""Golden for vector_example: f = (a + b + 1) * (a + b + 2), float32."""

import numpy as np

PARAMS_LIST = [
    {"rows": 128, "cols": 128, "seed": 0},
    {"rows": 64, "cols": 256, "seed": 1},
    {"rows": 7, "cols": 33, "seed": 2},
]

RTOL = 1e-5
ATOL = 1e-5

__outputs__ = ["f"]

TENSOR_ORDER = ["a", "b", "f"]


def generate_inputs(params):
    rng = np.random.default_rng(params.get("seed", 0))
    shape = (params.get("rows", 128), params.get("cols", 128))
    return {
        "a": rng.uniform(-2.0, 2.0, shape).astype(np.float32),
        "b": rng.uniform(-2.0, 2.0, shape).astype(np.float32),
        "f": np.zeros(shape, dtype=np.float32),
    }


def compute_golden(tensors, params):
    c = tensors["a"] + tensors["b"]
    tensors["f"][:] = (c + 1.0) * (c + 2.0)
