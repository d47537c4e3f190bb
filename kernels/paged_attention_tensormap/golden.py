"""Golden for paged_attention_tensormap: softmax(q · Kᵀ · scale) · V per query
head, over the keys and values a sequence's block table points at.

The list form: the tensors in the orchestration's order, then the softmax
scale as a ctypes float (a scalar). Inputs are float16; the golden computes
in float64 from them. The kernels round the softmax weights to float16 before
P·V (as a cube unit would), which the tolerances allow for.
"""

import ctypes

import numpy as np

RTOL = 5e-3
ATOL = 5e-3

__outputs__ = ["out"]

ALL_CASES = {
    # One sequence whose last block is partial (37 = 2 x 16 + 5).
    "partial": {"batch": 1, "context_lens": [37], "heads": 8, "kv_heads": 2, "head_dim": 64,
                "block_size": 16, "num_blocks": 8, "seed": 0},
    # Two sequences: one exactly 4 blocks, one partial.
    "two": {"batch": 2, "context_lens": [64, 23], "heads": 8, "kv_heads": 2, "head_dim": 64,
            "block_size": 16, "num_blocks": 12, "seed": 1},
    # Four sequences, one shorter than a block, more heads per group.
    "four": {"batch": 4, "context_lens": [100, 5, 48, 17], "heads": 16, "kv_heads": 2,
             "head_dim": 32, "block_size": 16, "num_blocks": 32, "seed": 2},
    # Long contexts in small blocks: hundreds of chained updates per group.
    "long": {"batch": 2, "context_lens": [1000, 777], "heads": 4, "kv_heads": 4, "head_dim": 16,
             "block_size": 8, "num_blocks": 240, "seed": 3},
}


def generate_inputs(params):
    rng = np.random.default_rng(params["seed"])
    b, h, kvh, d = params["batch"], params["heads"], params["kv_heads"], params["head_dim"]
    bs, nb = params["block_size"], params["num_blocks"]
    lens = np.array(params["context_lens"], dtype=np.int32)
    max_blocks = int(max((n + bs - 1) // bs for n in lens))
    # Each sequence gets distinct physical blocks, in shuffled order.
    physical = rng.permutation(nb).astype(np.int32)
    table = np.full((b, max_blocks), -1, dtype=np.int32)
    next_free = 0
    for s, n in enumerate(lens):
        used = (int(n) + bs - 1) // bs
        table[s, :used] = physical[next_free:next_free + used]
        next_free += used
    assert next_free <= nb, "num_blocks too small for the context lengths"
    return [
        ("query", rng.uniform(-1, 1, (b, h, d)).astype(np.float16)),
        ("key_cache", rng.uniform(-1, 1, (nb, bs, kvh, d)).astype(np.float16)),
        ("value_cache", rng.uniform(-1, 1, (nb, bs, kvh, d)).astype(np.float16)),
        ("block_table", table),
        ("context_lens", lens),
        ("out", np.zeros((b, h, d), dtype=np.float32)),
        ("scale", ctypes.c_float(1.0 / np.sqrt(d))),
    ]


def compute_golden(tensors, params):
    q = tensors["query"].astype(np.float64)
    kc = tensors["key_cache"].astype(np.float64)
    vc = tensors["value_cache"].astype(np.float64)
    table, lens = tensors["block_table"], tensors["context_lens"]
    bs = params["block_size"]
    group = params["heads"] // params["kv_heads"]
    scale = 1.0 / np.sqrt(params["head_dim"])
    for s in range(len(lens)):
        positions = np.arange(int(lens[s]))
        blocks = table[s, positions // bs]
        offsets = positions % bs
        for head in range(params["heads"]):
            kvh = head // group
            keys = kc[blocks, offsets, kvh, :]
            values = vc[blocks, offsets, kvh, :]
            scores = keys @ q[s, head] * scale
            weights = np.exp(scores - scores.max())
            tensors["out"][s, head] = (weights / weights.sum()) @ values
