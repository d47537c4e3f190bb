"""Kernels and orchestration of vector_example: f = (a + b + 1) * (a + b + 2).

Each kernel has two sources: `source`, written against the PTO-ISA tile
library (what a device runs; on the simulator it needs PTO_ISA_ROOT and a
C++23 compiler), and `sim_source`, the same computation in plain C++.
The simulator builds the plain ones unless told otherwise: KERNEL_SOURCE=source
(make) or --kernel-source source (pto-run) takes the PTO-ISA ones; auto takes
them when they can be built.
"""

from pathlib import Path

_KERNELS_ROOT = Path(__file__).parent

ORCHESTRATION = {
    "source": str(_KERNELS_ROOT / "orchestration" / "example_orch.cpp"),
    "function_name": "build_example_graph",
}

KERNELS = [
    {"func_id": 0, "source": str(_KERNELS_ROOT / "aiv_pto" / "kernel_add.cpp"),
     "sim_source": str(_KERNELS_ROOT / "aiv" / "kernel_add.cpp"), "core_type": "aiv"},
    {"func_id": 1, "source": str(_KERNELS_ROOT / "aiv_pto" / "kernel_add_scalar.cpp"),
     "sim_source": str(_KERNELS_ROOT / "aiv" / "kernel_add_scalar.cpp"), "core_type": "aiv"},
    {"func_id": 2, "source": str(_KERNELS_ROOT / "aiv_pto" / "kernel_mul.cpp"),
     "sim_source": str(_KERNELS_ROOT / "aiv" / "kernel_mul.cpp"), "core_type": "aiv"},
]
