"""vector_example for the tensormap_and_ringbuffer runtime: f = (a + b + 1) * (a + b + 2).

The orchestration runs on the device side and never states an edge: each
task says which tensors it reads and writes, and the runtime orders them.
"""

from pathlib import Path

_KERNELS_ROOT = Path(__file__).parent

RUNTIME_CONFIG = {
    "runtime": "tensormap_and_ringbuffer",
    "aicpu_thread_num": 3,
    "block_dim": 2,
}

ORCHESTRATION = {
    "source": str(_KERNELS_ROOT / "orchestration" / "vector_orch.cpp"),
    "function_name": "aicpu_orchestration_entry",
}

KERNELS = [
    {"func_id": 0, "source": str(_KERNELS_ROOT / "aiv" / "kernel_add.cpp"), "core_type": "aiv"},
    {"func_id": 1, "source": str(_KERNELS_ROOT / "aiv" / "kernel_add_scalar.cpp"), "core_type": "aiv"},
    {"func_id": 2, "source": str(_KERNELS_ROOT / "aiv" / "kernel_mul.cpp"), "core_type": "aiv"},
]
