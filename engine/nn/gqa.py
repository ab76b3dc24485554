"""Grouped-query attention (GQA), the attention of Llama, Qwen and Mistral.

Like GPT-2's attention, with four differences:
- fewer key/value heads than query heads (`kv_heads`): each K/V head is shared by `heads / kv_heads`
  consecutive query heads (Llama 3.2 1B: 32 query heads, 8 K/V heads, groups of 4), which shrinks
  the key/value cache; `kv_heads == heads` is ordinary multi-head attention;
- positions enter as a rotation of queries and keys (RoPE, see `engine.nn.rope`), not as vectors
  added to the input;
- optionally an RMSNorm over each head's queries and keys before the rotation (Qwen3);
- optionally a sliding window (Mistral, some Qwen layers): a query sees only the last `window` keys,
  itself included.

Attention runs through PyTorch's fused `scaled_dot_product_attention` unless the caller asks to see
the weights; then the explicit path computes scores, masked softmax and weights in float32 and
hands them back, and the layer's output is made from exactly those weights.

Shapes: B batch, T tokens, C model width, H query heads, K key/value heads, D head size.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import nn
from torch.nn import functional as F

from engine.nn.kv_cache import KeyValueCache
from engine.nn.rmsnorm import RMSNorm
from engine.nn.rope import apply_rotary


@dataclass(frozen=True)
class AttentionShape:
    """The sizes and switches of one grouped-query attention layer."""

    dim: int  # C: width of the residual stream going in and out
    heads: int  # H: query heads
    kv_heads: int  # K: key/value heads; H must be a multiple of K
    head_dim: int  # D: size of each head (need not be C / H: Qwen3 0.6B has C 1024, H 16, D 128)
    qkv_bias: bool = False  # a bias on the query, key and value projections (Qwen2)
    out_bias: bool = False  # a bias on the output projection (Llama with attention_bias)
    qk_norm: bool = False  # RMSNorm over D of each query and key head before RoPE (Qwen3)
    norm_eps: float = 1e-6  # the epsilon of that RMSNorm
    window: int | None = None  # sliding window: a query sees its last `window` keys; None: all earlier keys


def blocked_mask(
    length: int, window: int | None = None, device: torch.device | str = "cpu", offset: int = 0
) -> torch.Tensor:
    """(T, offset + T) bool, True where query i (at position offset + i) may not look at key j: the
    future (j > offset + i) and, with a sliding window, keys `window` or more positions back
    (j <= offset + i - window). `offset` is how many earlier positions came from a key/value cache."""
    query = torch.arange(offset, offset + length, device=device)[:, None]  # (T, 1)
    key = torch.arange(offset + length, device=device)[None, :]  # (1, P+T)
    blocked = key > query  # (T, P+T)
    if window is not None:
        blocked |= key <= query - window
    return blocked


def repeat_kv(x: torch.Tensor, groups: int) -> torch.Tensor:
    """(B, K, T, D) -> (B, K·groups, T, D): K/V head j serves query heads j·groups .. j·groups + groups-1."""
    if groups == 1:
        return x
    batch, kv_heads, length, head_dim = x.shape
    # (B, K, T, D) -> (B, K, 1, T, D) -> (B, K, groups, T, D) -> (B, K·groups, T, D)
    expanded = x[:, :, None].expand(batch, kv_heads, groups, length, head_dim)
    return expanded.reshape(batch, kv_heads * groups, length, head_dim)


class GroupedQueryAttention(nn.Module):
    """Causal self-attention with shared key/value heads, rotary positions and an optional window.

    Parameter names follow the Hugging Face checkpoints: `q_proj`, `k_proj`, `v_proj`, `o_proj`
    (all `nn.Linear`, weights stored (out, in)) and, for Qwen3, `q_norm` and `k_norm`.
    """

    def __init__(self, shape: AttentionShape) -> None:
        super().__init__()
        if shape.heads % shape.kv_heads:
            raise ValueError(f"heads ({shape.heads}) must be a multiple of kv_heads ({shape.kv_heads})")
        self.shape = shape
        self.groups = shape.heads // shape.kv_heads
        self.q_proj = nn.Linear(shape.dim, shape.heads * shape.head_dim, bias=shape.qkv_bias)  # C -> H·D
        self.k_proj = nn.Linear(shape.dim, shape.kv_heads * shape.head_dim, bias=shape.qkv_bias)  # C -> K·D
        self.v_proj = nn.Linear(shape.dim, shape.kv_heads * shape.head_dim, bias=shape.qkv_bias)  # C -> K·D
        self.o_proj = nn.Linear(shape.heads * shape.head_dim, shape.dim, bias=shape.out_bias)  # H·D -> C
        if shape.qk_norm:
            self.q_norm = RMSNorm(shape.head_dim, shape.norm_eps)
            self.k_norm = RMSNorm(shape.head_dim, shape.norm_eps)

    def _heads(self, projected: torch.Tensor, count: int, norm: RMSNorm | None) -> torch.Tensor:
        """(B, T, count·D) -> (B, count, T, D), through the per-head norm when there is one."""
        batch, length, _ = projected.shape
        heads = projected.view(
            batch, length, count, self.shape.head_dim
        )  # (B, T, count·D) -> (B, T, count, D)
        if norm is not None:
            heads = norm(heads)  # over D, each head of each token on its own
        return heads.transpose(1, 2)  # (B, T, count, D) -> (B, count, T, D)

    def forward(
        self,
        x: torch.Tensor,
        cos: torch.Tensor,
        sin: torch.Tensor,
        capture: bool = False,
        cache: KeyValueCache | None = None,
        layer: int = 0,
    ) -> tuple[torch.Tensor, tuple[torch.Tensor, ...] | None]:
        """x: (B, T, C), cos/sin: (T, D) -> ((B, T, C), (scores, weights, queries, keys, values) when
        `capture`: (B, H, T, T) float32 maps and the (B, H, T, D) rotated queries and keys).

        With `cache`, x holds the positions after the cached P (cos/sin are theirs): the K heads'
        rotated keys and values join layer `layer` of it, the maps become (B, H, T, P + T)."""
        shape = self.shape
        batch, length, _ = x.shape
        q = self._heads(self.q_proj(x), shape.heads, getattr(self, "q_norm", None))  # (B, H, T, D)
        k = self._heads(self.k_proj(x), shape.kv_heads, getattr(self, "k_norm", None))  # (B, K, T, D)
        v = self._heads(self.v_proj(x), shape.kv_heads, None)  # (B, K, T, D)
        q, k = apply_rotary(q, cos, sin), apply_rotary(k, cos, sin)
        if cache is not None:
            k, v = cache.extend(layer, k, v)  # (B, K, P+T, D): cached before the repetition
        offset = k.shape[2] - length
        k, v = repeat_kv(k, self.groups), repeat_kv(v, self.groups)  # (B, K, ·, D) -> (B, H, ·, D)
        if capture:
            scores, weights, context = self._explicit(q, k, v)
            captured = (scores, weights, q, k, v)
        else:
            captured = None
            if shape.window is None and offset == 0:
                context = F.scaled_dot_product_attention(q, k, v, is_causal=True)
            elif shape.window is None and length == 1:
                context = F.scaled_dot_product_attention(q, k, v)  # one new query sees every key
            else:
                # SDPA's is_causal aligns to the first key, wrong after a cache; its mask: True takes part
                allowed = ~blocked_mask(length, shape.window, x.device, offset)
                context = F.scaled_dot_product_attention(q, k, v, attn_mask=allowed)
        # (B, H, T, D) -> (B, T, H, D) -> (B, T, H·D); sizes spelled out so an empty text still reshapes
        merged = context.transpose(1, 2).reshape(batch, length, shape.heads * shape.head_dim)
        return self.o_proj(merged), captured

    def _explicit(
        self, q: torch.Tensor, k: torch.Tensor, v: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Scores q·k/√D (before the mask), weights and the context in v's dtype, for (B, H, T, D)
        queries and (B, H, P + T, D) keys and values; scores and weights are float32 whatever the
        model's precision."""
        length = q.shape[2]
        offset = k.shape[2] - length
        # (B, H, T, D) @ (B, H, D, P+T) -> (B, H, T, P+T)
        scores = q.float() @ k.float().transpose(-2, -1) / math.sqrt(self.shape.head_dim)
        blocked = blocked_mask(length, self.shape.window, q.device, offset)  # (T, P+T)
        weights = torch.softmax(scores.masked_fill(blocked, float("-inf")), dim=-1)  # (B, H, T, P+T)
        context = (weights @ v.float()).to(v.dtype)  # (B, H, T, P+T) @ (B, H, P+T, D) -> (B, H, T, D)
        return scores, weights, context
