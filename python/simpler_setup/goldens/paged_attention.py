"""Paged-attention inputs and golden for the upstream scene tests that import
them (SCENETEST.md §7): decode attention of B batches x H heads over a paged
KV cache, computed block by block with an online softmax whose probabilities
are rounded to the input dtype, as the kernels round them."""

import ctypes
import math

import torch


def _dtype(params: dict):
    name = params.get("dtype", "bfloat16")
    value = getattr(torch, name, None)
    if not isinstance(value, torch.dtype):
        raise ValueError(f"paged_attention: dtype {name!r} is not a torch dtype")
    return value


def _context_lens(params: dict, batch: int) -> torch.Tensor:
    given = params.get("context_lens_list")
    if not given:
        return torch.full((batch,), int(params["context_len"]), dtype=torch.int32)
    repeated = [given[i % len(given)] for i in range(batch)]
    return torch.tensor(repeated, dtype=torch.int32)


def generate_inputs(params: dict) -> list:
    """[(name, value)] in the orchestration's order: query, key_cache,
    value_cache, block_table, context_lens, out, scale."""
    batch, heads = int(params["batch"]), int(params["num_heads"])
    kv_heads, dim = int(params["kv_head_num"]), int(params["head_dim"])
    block_size, max_model_len = int(params["block_size"]), int(params["max_model_len"])
    if kv_heads != 1:
        raise ValueError(f"paged_attention: kv_head_num is {kv_heads}; only 1 is supported")
    dtype = _dtype(params)
    context_lens = _context_lens(params, batch)
    max_ctx = int(context_lens.max().item())
    total_blocks = batch * math.ceil(max_ctx / block_size)
    block_table = torch.randint(0, max(total_blocks, 1), (batch, max_model_len // block_size),
                                dtype=torch.int32)
    query = torch.empty(batch, heads, dim, dtype=torch.float32).uniform_(-0.5, 0.5).to(dtype)
    key_cache = torch.empty(total_blocks, block_size, kv_heads, dim,
                            dtype=torch.float32).uniform_(-0.5, 0.5).to(dtype)
    value_cache = torch.empty(total_blocks, block_size, kv_heads, dim,
                              dtype=torch.float32).uniform_(-1.0, 1.0).to(dtype)
    out = torch.zeros(batch, heads, dim, dtype=torch.float32)
    return [("query", query), ("key_cache", key_cache), ("value_cache", value_cache),
            ("block_table", block_table), ("context_lens", context_lens), ("out", out),
            ("scale", ctypes.c_float(1.0))]


def paged_attention(query, key_cache, value_cache, num_kv_heads, num_heads, scale_value,
                    block_table, context_lens) -> torch.Tensor:
    """float32 [B, H, D]: per tile of up to 128 heads, an online softmax over
    the logical blocks, probabilities rounded to the input dtype."""
    assert num_kv_heads == 1, "paged_attention: num_kv_heads must be 1"
    batch, heads, dim = query.shape
    block_size = key_cache.shape[1]
    in_dtype = query.dtype
    lens = context_lens.to(torch.int64)
    blocks = math.ceil(int(lens.max().item()) / block_size) if batch else 0
    result = torch.zeros(batch, heads, dim, dtype=torch.float32)
    for h0 in range(0, heads, 128):
        q = query[:, h0:h0 + 128, :].to(torch.float32)
        o = l = m = None
        for n in range(blocks):
            valid = torch.clamp(lens - n * block_size, 0, block_size)
            if not bool((valid > 0).any()):
                break
            rows = block_table[:, n].to(torch.int64)
            k = key_cache[rows, :, 0, :].to(torch.float32)    # [B, bs, D]
            v = value_cache[rows, :, 0, :].to(torch.float32)
            s = torch.matmul(q, k.transpose(1, 2)) * scale_value  # [B, h, bs]
            positions = torch.arange(block_size).view(1, 1, block_size)
            masked = positions >= valid.view(batch, 1, 1)
            s = s.masked_fill(masked, float("-inf"))
            m_j = torch.clamp(s.max(dim=-1, keepdim=True).values, min=-1e30)
            p = torch.exp(s - m_j).masked_fill(masked, 0.0)
            p = p.to(in_dtype).to(torch.float32)
            l_j = p.sum(dim=-1, keepdim=True)
            o_j = torch.matmul(p, v)
            if o is None:
                o, l, m = o_j, l_j, m_j
                continue
            m_new = torch.maximum(m, m_j)
            alpha, beta = torch.exp(m - m_new), torch.exp(m_j - m_new)
            l = alpha * l + beta * l_j
            o = alpha * o + beta * o_j
            m = m_new
        if o is not None:
            result[:, h0:h0 + 128, :] = o / l
    return result


def compute_golden(tensors: dict, params: dict) -> None:
    """Writes tensors["out"] in place (scale 1.0, as upstream)."""
    batch, heads = int(params["batch"]), int(params["num_heads"])
    kv_heads, dim = int(params["kv_head_num"]), int(params["head_dim"])
    block_size = int(params["block_size"])
    query = tensors["query"].reshape(batch, heads, dim)
    key_cache = tensors["key_cache"].reshape(-1, block_size, kv_heads, dim)
    value_cache = tensors["value_cache"].reshape(-1, block_size, kv_heads, dim)
    block_table = tensors["block_table"].reshape(batch, -1)
    result = paged_attention(query, key_cache, value_cache, kv_heads, heads, 1.0, block_table,
                             tensors["context_lens"])
    tensors["out"][:] = result.reshape(tensors["out"].shape)
