"""bgemm for the tensormap_and_ringbuffer runtime: batched tiled GEMM,
C[b] = A[b] @ B[b], with dependencies found from the tiles each task reads
and writes.
"""

from pathlib import Path

_KERNELS_ROOT = Path(__file__).parent

RUNTIME_CONFIG = {
    "runtime": "tensormap_and_ringbuffer",
    "aicpu_thread_num": 3,
    "block_dim": 2,
}

ORCHESTRATION = {
    "source": str(_KERNELS_ROOT / "orchestration" / "bgemm_orch.cpp"),
    "function_name": "aicpu_orchestration_entry",
}

KERNELS = [
    {"func_id": 0, "source": str(_KERNELS_ROOT / "aic" / "kernel_tile_gemm.cpp"), "core_type": "aic"},
    {"func_id": 1, "source": str(_KERNELS_ROOT / "aiv" / "kernel_tile_add.cpp"), "core_type": "aiv"},
]
