"""bgemm: batched tiled GEMM, C[b] = A[b] @ B[b]."""

from pathlib import Path

_ROOT = Path(__file__).parent

ORCHESTRATION = {
    "source": str(_ROOT / "orchestration" / "bgemm_orch.cpp"),
    "function_name": "build_bgemm_graph",
}

KERNELS = [
    {"func_id": 0, "source": str(_ROOT / "aic" / "kernel_tile_gemm.cpp"), "core_type": "aic"},
    {"func_id": 1, "source": str(_ROOT / "aiv" / "kernel_tile_add.cpp"), "core_type": "aiv"},
]
