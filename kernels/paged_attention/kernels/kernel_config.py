"""paged_attention: single-query decode attention over a paged KV cache."""

from pathlib import Path

_ROOT = Path(__file__).parent

ORCHESTRATION = {
    "source": str(_ROOT / "orchestration" / "paged_attention_orch.cpp"),
    "function_name": "build_paged_attention_graph",
}

KERNELS = [
    {"func_id": 0, "source": str(_ROOT / "aic" / "kernel_qk.cpp"), "core_type": "aic"},
    {"func_id": 1, "source": str(_ROOT / "aiv" / "kernel_softmax_block.cpp"), "core_type": "aiv"},
    {"func_id": 2, "source": str(_ROOT / "aic" / "kernel_pv.cpp"), "core_type": "aic"},
    {"func_id": 3, "source": str(_ROOT / "aiv" / "kernel_online_update.cpp"), "core_type": "aiv"},
]
