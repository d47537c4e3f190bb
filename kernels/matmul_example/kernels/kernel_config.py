"""matmul_example: F = exp(sqrt(log(A)) @ W1 + sqrt(log(A)) @ W2)."""

from pathlib import Path

_ROOT = Path(__file__).parent

ORCHESTRATION = {
    "source": str(_ROOT / "orchestration" / "matmul_orch.cpp"),
    "function_name": "build_matmul_graph",
}

KERNELS = [
    {"func_id": 0, "source": str(_ROOT / "aiv" / "kernel_log_sqrt.cpp"), "core_type": "aiv"},
    {"func_id": 1, "source": str(_ROOT / "aic" / "kernel_matmul_f16.cpp"), "core_type": "aic"},
    {"func_id": 2, "source": str(_ROOT / "aiv" / "kernel_add_exp.cpp"), "core_type": "aiv"},
]
