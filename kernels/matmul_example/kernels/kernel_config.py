"""matmul_example: F = exp(sqrt(log(A)) @ W1 + sqrt(log(A)) @ W2).

Each kernel has two sources: `source`, written against the PTO-ISA tile
library (vector ops on row tiles, a cube matmul in 16 x 16 x 16 blocks), and
`sim_source`, the same computation in plain C++. The simulator builds the
plain ones unless told otherwise: KERNEL_SOURCE=source (make) or
--kernel-source source (pto-run) takes the PTO-ISA ones; auto takes them when
they can be built.
"""

from pathlib import Path

_ROOT = Path(__file__).parent

ORCHESTRATION = {
    "source": str(_ROOT / "orchestration" / "matmul_orch.cpp"),
    "function_name": "build_matmul_graph",
}

KERNELS = [
    {"func_id": 0, "source": str(_ROOT / "aiv_pto" / "kernel_log_sqrt.cpp"),
     "sim_source": str(_ROOT / "aiv" / "kernel_log_sqrt.cpp"), "core_type": "aiv"},
    {"func_id": 1, "source": str(_ROOT / "aic_pto" / "kernel_matmul_f16.cpp"),
     "sim_source": str(_ROOT / "aic" / "kernel_matmul_f16.cpp"), "core_type": "aic"},
    {"func_id": 2, "source": str(_ROOT / "aiv_pto" / "kernel_add_exp.cpp"),
     "sim_source": str(_ROOT / "aiv" / "kernel_add_exp.cpp"), "core_type": "aiv"},
]
