"""Scaled dot-product self-attention, built so that every intermediate can be shown.

One implementation with switches (scale by √d_k or not, causal mask or not, any number of
heads) rather than one copy per teaching step; lessons flip the switches.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from engine.nn.embeddings import seeded_generator
from engine.nn.kv_cache import KeyValueCache


@dataclass(frozen=True)
class AttentionTensors:
    """Everything attention computes, per head (torch tensors, still on the device).

    Shapes use B batch, H heads, T tokens, D head size.

    Attributes:
        queries, keys, values: (B, H, T, D).
        scores: (B, H, T, T) q·k, divided by √D when scaled; future cells are NOT yet masked here.
        mask: (T, T) bool, True where a query may not look (keys after it); all False without the mask.
        weights: (B, H, T, T) softmax over keys of the masked scores; masked cells are exactly 0.
        context: (B, H, T, D) weights @ values.
        output: (B, T, H*D) heads concatenated and passed through the output projection.

    With a key/value cache of P positions, T counts the new positions only: keys and values are
    (B, H, P + T, D) and the last axis of scores, mask and weights is P + T long.
    """

    queries: torch.Tensor
    keys: torch.Tensor
    values: torch.Tensor
    scores: torch.Tensor
    mask: torch.Tensor
    weights: torch.Tensor
    context: torch.Tensor
    output: torch.Tensor


def causal_mask(length: int, device: torch.device | str = "cpu", offset: int = 0) -> torch.Tensor:
    """(T, offset + T) bool, True where query i (at position offset + i) must not see key j:
    the keys after it. `offset` is how many earlier positions came from a key/value cache."""
    return torch.triu(
        torch.ones(length, offset + length, dtype=torch.bool, device=device), diagonal=offset + 1
    )


def mask_array(length: int, causal: bool) -> np.ndarray:
    """(T, T) bool numpy, True where a query must not see a key: the future with `causal`, nothing
    without it (the `Attention.mask` of a result)."""
    return causal_mask(length).numpy() if causal else np.zeros((length, length), dtype=bool)


def attend(
    queries: torch.Tensor,
    keys: torch.Tensor,
    values: torch.Tensor,
    causal: bool = True,
    scaled: bool = True,
    dropout: float = 0.0,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """Scores, mask, weights and context for (..., T, D) queries and (..., P + T, D) keys/values:
    P > 0 when the first keys and values came from a cache (the queries are the last T positions)."""
    length, head_dim = queries.shape[-2], queries.shape[-1]
    offset = keys.shape[-2] - length
    scores = queries @ keys.transpose(-2, -1)  # (..., T, D) @ (..., D, P+T) -> (..., T, P+T)
    if scaled:
        # Without this, dot products grow with D and softmax saturates into a near one-hot.
        scores = scores / math.sqrt(head_dim)
    if causal:
        mask = causal_mask(length, queries.device, offset)
    else:
        mask = torch.zeros(length, offset + length, dtype=torch.bool, device=queries.device)
    weights = torch.softmax(scores.masked_fill(mask, float("-inf")), dim=-1)
    if dropout:
        weights = torch.nn.functional.dropout(weights, p=dropout, training=True)
    return scores, mask, weights, weights @ values


class MultiHeadAttention(nn.Module):
    """Causal multi-head self-attention with trainable query/key/value projections.

    Args:
        d_in: size of each input vector.
        d_out: size of each output vector; split evenly across heads.
        num_heads: number of heads (1 gives single-head attention).
        qkv_bias: whether the query/key/value projections have a bias.
        dropout: dropout on attention weights while training.
        seed: when given, parameters are drawn from a generator with this seed (reproducible
            without touching the global RNG), using nn.Linear's default ranges.
    """

    def __init__(
        self,
        d_in: int,
        d_out: int,
        num_heads: int = 1,
        qkv_bias: bool = False,
        dropout: float = 0.0,
        seed: int | None = None,
    ) -> None:
        super().__init__()
        if num_heads < 1 or d_out % num_heads:
            raise ValueError(f"d_out ({d_out}) must be a positive multiple of num_heads ({num_heads})")
        self.num_heads = num_heads
        self.head_dim = d_out // num_heads
        self.dropout = dropout
        self.W_query = nn.Linear(d_in, d_out, bias=qkv_bias)
        self.W_key = nn.Linear(d_in, d_out, bias=qkv_bias)
        self.W_value = nn.Linear(d_in, d_out, bias=qkv_bias)
        self.out_proj = nn.Linear(d_out, d_out)
        if seed is not None:
            self._reset_from_seed(seed)

    @torch.no_grad()
    def _reset_from_seed(self, seed: int) -> None:
        generator = seeded_generator(seed)
        for layer in (self.W_query, self.W_key, self.W_value, self.out_proj):
            bound = 1 / math.sqrt(layer.in_features)
            layer.weight.uniform_(-bound, bound, generator=generator)
            if layer.bias is not None:
                layer.bias.uniform_(-bound, bound, generator=generator)

    def _split_heads(self, x: torch.Tensor) -> torch.Tensor:
        batch, length, _ = x.shape
        # (B, T, H*D) -> (B, T, H, D) -> (B, H, T, D)
        return x.view(batch, length, self.num_heads, self.head_dim).transpose(1, 2)

    def forward(
        self, x: torch.Tensor, causal: bool = True, scaled: bool = True, cache: KeyValueCache | None = None
    ) -> AttentionTensors:
        """x: (B, T, d_in) -> every intermediate of attention, see `AttentionTensors`.

        With `cache` (one layer), x holds the positions after the cached ones: their keys and values
        join the cache, and keys, values, scores and weights span every position so far."""
        queries = self._split_heads(self.W_query(x))
        keys = self._split_heads(self.W_key(x))
        values = self._split_heads(self.W_value(x))
        if cache is not None:
            keys, values = cache.extend(0, keys, values)
            cache.advance(x.shape[1])
        scores, mask, weights, context = attend(
            queries, keys, values, causal, scaled, self.dropout if self.training else 0.0
        )
        batch, _, length, _ = context.shape
        # (B, H, T, D) -> (B, T, H*D); sizes spelled out so an empty text still reshapes
        merged = context.transpose(1, 2).reshape(batch, length, self.num_heads * self.head_dim)
        return AttentionTensors(queries, keys, values, scores, mask, weights, context, self.out_proj(merged))
