"""Golden for bgemm: C[b] = A[b] @ B[b], float16 inputs, float32 result."""

import numpy as np

RTOL = 1e-3
ATOL = 1e-3

TENSOR_ORDER = ["A", "B", "config", "C"]
__outputs__ = ["C"]

PARAMS_LIST = [
    # 2 x 4x4 output tiles x 4 k-steps: 128 GEMM + 128 ADD = 256 tasks.
    {"batch": 2, "M": 128, "K": 128, "N": 128, "tile": (32, 32, 32), "seed": 0},
    # 4 x 4x4 x 4: 512 tasks.
    {"batch": 4, "M": 128, "K": 128, "N": 128, "tile": (32, 32, 32), "seed": 1},
    # Non-square, unequal tiles: 6 x (3 x 4 tiles) x 5 k-steps = 360 GEMM + 360 ADD.
    {"batch": 6, "M": 96, "K": 160, "N": 64, "tile": (32, 32, 16), "seed": 2},
]


def generate_inputs(params):
    rng = np.random.default_rng(params["seed"])
    b, m, k, n = params["batch"], params["M"], params["K"], params["N"]
    tm, tk, tn = params["tile"]
    return {
        "A": rng.uniform(-1, 1, (b, m, k)).astype(np.float16),
        "B": rng.uniform(-1, 1, (b, k, n)).astype(np.float16),
        "config": np.array([b, m, k, n, tm, tk, tn], dtype=np.int32),
        "C": np.zeros((b, m, n), dtype=np.float32),
    }


def compute_golden(tensors, params):
    tensors["C"][:] = np.matmul(tensors["A"].astype(np.float32), tensors["B"].astype(np.float32))
