"""Golden for bgemm_tensormap: C[b] = A[b] @ B[b], float16 inputs, float32
result. The list form: A, B, C, then the tile sizes as ctypes scalars.
"""

import ctypes

import numpy as np

RTOL = 1e-3
ATOL = 1e-3

__outputs__ = ["C"]

ALL_CASES = {
    # 2 x 4x4 output tiles x 4 k-steps: 128 GEMM + 128 ADD = 256 tasks.
    "square": {"batch": 2, "M": 128, "K": 128, "N": 128, "tile": (32, 32, 32), "seed": 0},
    # Non-square, unequal tiles: 6 x (3 x 4 tiles) x 5 k-steps = 360 GEMM + 360 ADD.
    "uneven": {"batch": 6, "M": 96, "K": 160, "N": 64, "tile": (32, 32, 16), "seed": 2},
    # Long k-loops of small tiles: 16 x 64 k-steps per tile.
    "deep": {"batch": 1, "M": 64, "K": 1024, "N": 64, "tile": (16, 16, 16), "seed": 3},
}


def generate_inputs(params):
    rng = np.random.default_rng(params["seed"])
    b, m, k, n = params["batch"], params["M"], params["K"], params["N"]
    tm, tk, tn = params["tile"]
    return [
        ("A", rng.uniform(-1, 1, (b, m, k)).astype(np.float16)),
        ("B", rng.uniform(-1, 1, (b, k, n)).astype(np.float16)),
        # Not zero: the first addition of each tile overwrites it.
        ("C", np.full((b, m, n), np.nan, dtype=np.float32)),
        ("tile_m", ctypes.c_uint64(tm)),
        ("tile_k", ctypes.c_uint64(tk)),
        ("tile_n", ctypes.c_uint64(tn)),
    ]


def compute_golden(tensors, params):
    tensors["C"][:] = np.matmul(tensors["A"].astype(np.float32), tensors["B"].astype(np.float32))
