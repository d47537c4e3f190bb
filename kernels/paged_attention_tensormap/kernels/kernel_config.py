"""paged_attention for the tensormap_and_ringbuffer runtime: single-query
decode attention over a paged KV cache with online softmax.

The orchestration runs on the device side, reads the block table and the
context lengths there, and states no edge.
"""

from pathlib import Path

_KERNELS_ROOT = Path(__file__).parent

RUNTIME_CONFIG = {
    "runtime": "tensormap_and_ringbuffer",
    "aicpu_thread_num": 3,
    "block_dim": 2,
}

ORCHESTRATION = {
    "source": str(_KERNELS_ROOT / "orchestration" / "paged_attention_orch.cpp"),
    "function_name": "aicpu_orchestration_entry",
}

KERNELS = [
    {"func_id": 0, "source": str(_KERNELS_ROOT / "aic" / "kernel_qk.cpp"), "core_type": "aic"},
    {"func_id": 1, "source": str(_KERNELS_ROOT / "aiv" / "kernel_softmax_block.cpp"), "core_type": "aiv"},
    {"func_id": 2, "source": str(_KERNELS_ROOT / "aic" / "kernel_pv.cpp"), "core_type": "aic"},
    {"func_id": 3, "source": str(_KERNELS_ROOT / "aiv" / "kernel_online_update.cpp"), "core_type": "aiv"},
    {"func_id": 4, "source": str(_KERNELS_ROOT / "aiv" / "kernel_normalize.cpp"), "core_type": "aiv"},
]
