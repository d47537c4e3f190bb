"""bgemm: batched tiled GEMM, C[b] = A[b] @ B[b].

Each kernel has two sources: `source`, written against the PTO-ISA tile
library (a cube matmul in 16 x 16 blocks, a vector tile add), and
`sim_source`, the same computation in plain C++. The simulator builds the
plain ones unless told otherwise: KERNEL_SOURCE=source (make) or
--kernel-source source (pto-run) takes the PTO-ISA ones; auto takes them when
they can be built.
"""

from pathlib import Path

_ROOT = Path(__file__).parent

ORCHESTRATION = {
    "source": str(_ROOT / "orchestration" / "bgemm_orch.cpp"),
    "function_name": "build_bgemm_graph",
}

KERNELS = [
    {"func_id": 0, "source": str(_ROOT / "aic_pto" / "kernel_tile_gemm.cpp"),
     "sim_source": str(_ROOT / "aic" / "kernel_tile_gemm.cpp"), "core_type": "aic"},
    {"func_id": 1, "source": str(_ROOT / "aiv_pto" / "kernel_tile_add.cpp"),
     "sim_source": str(_ROOT / "aiv" / "kernel_tile_add.cpp"), "core_type": "aiv"},
]
