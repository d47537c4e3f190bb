"""Golden for matmul_example: F = exp(sqrt(log(A)) @ W1 + sqrt(log(A)) @ W2).

A, W1, W2 are float16; sqrt(log(A)) is rounded to float16 as the kernel
stores it; products accumulate in float32.
"""

import numpy as np

PARAMS_LIST = [
    {"M": 128, "K": 128, "N": 128, "seed": 0},
    {"M": 128, "K": 128, "N": 128, "seed": 1},
    {"M": 100, "K": 64, "N": 80, "seed": 2},
]

RTOL = 2e-3
ATOL = 2e-3

TENSOR_ORDER = ["A", "W1", "W2", "F"]
__outputs__ = ["F"]


def generate_inputs(params):
    rng = np.random.default_rng(params["seed"])
    m, k, n = params["M"], params["K"], params["N"]
    return {
        "A": rng.uniform(1.5, 3.0, (m, k)).astype(np.float16),
        "W1": rng.uniform(-0.05, 0.05, (k, n)).astype(np.float16),
        "W2": rng.uniform(-0.05, 0.05, (k, n)).astype(np.float16),
        "F": np.zeros((m, n), dtype=np.float32),
    }


def compute_golden(tensors, params):
    a = tensors["A"].astype(np.float32)
    l = np.sqrt(np.log(a)).astype(np.float16).astype(np.float32)
    c = l @ tensors["W1"].astype(np.float32) + l @ tensors["W2"].astype(np.float32)
    tensors["F"][:] = np.exp(c)
