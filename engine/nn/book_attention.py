"""The book's attention progression (chapter 3) on hand-made input vectors, step by step.

Each `projection` is one version the book builds, with its random numbers drawn in the book's
order after `torch.manual_seed(seed)`, so the printed figures come out the same:
- "none": q = k = v = the inputs (simplified self-attention: scores are dot products of the inputs);
- "rand": three `torch.rand(d_in, d_out)` matrices, query then key then value; q = x @ W_query …;
- "linear": three `nn.Linear(d_in, d_out, bias=False)`, query then key then value.
With `heads` > 1 (linear only): "stack" makes each head its own three layers, head by head, and
concatenates the heads' context vectors (the book's wrapper); "merged" makes one set of layers
of width d_out split into heads, then an output projection `nn.Linear(d_out, d_out)` created after
the value layer (the book's efficient class). `dropout` is drawn on the weights after the same
seed's layers, as `nn.Dropout` in training mode does (kept weights scaled by 1 / (1 - p)).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from engine.settings import MULTIHEAD, PROJECTIONS


@dataclass(frozen=True)
class BookAttention:
    """Every step, numpy float32; H heads, T tokens, D a head's width.

    Attributes:
        scores: (H, T, T) q·k (÷ √D when scaled) before the mask; masked: the same with -inf above
            the diagonal (causal) or as `scores` (not causal); weights: (H, T, T) softmax of
            `masked`, after dropout if any; context: (H, T, D) weights @ v; output: (T, H·D) the
            heads concatenated (stack, one head) or projected (merged).
        queries, keys, values: (H, T, D).
        dropout_scale: (H, T, T) what dropout multiplied each softmax weight by (0 where it
            dropped the weight, 1 / (1 - p) where it kept it); None without dropout.
    """

    scores: np.ndarray
    masked: np.ndarray
    weights: np.ndarray
    context: np.ndarray
    output: np.ndarray
    queries: np.ndarray
    keys: np.ndarray
    values: np.ndarray
    dropout_scale: np.ndarray | None = None


@torch.no_grad()
def book_attention(
    inputs: np.ndarray,
    projection: str = "none",
    d_out: int | None = None,
    seed: int = 123,
    heads: int = 1,
    multihead: str = "stack",
    causal: bool = False,
    scaled: bool = False,
    dropout: float = 0.0,
) -> BookAttention:
    """Attention over `inputs` (T, d_in) as the book's version `projection` computes it."""
    if projection not in PROJECTIONS:
        raise ValueError(f"projection {projection!r}: choose one of {', '.join(PROJECTIONS)}")
    if multihead not in MULTIHEAD:
        raise ValueError(f"multihead {multihead!r}: choose stack or merged")
    if not 0.0 <= dropout < 1.0:
        raise ValueError(f"dropout {dropout}: choose a probability from 0 up to (not including) 1")
    x = torch.from_numpy(np.asarray(inputs, dtype=np.float32))
    d_in = x.shape[1]
    if projection == "none" and (heads != 1 or (d_out not in (None, d_in))):
        raise ValueError("without a projection, q = k = v = the inputs: one head, as wide as the inputs")
    if heads > 1 and projection != "linear":
        raise ValueError("several heads are built from nn.Linear layers: use projection 'linear'")
    width = d_in if d_out is None else d_out
    if multihead == "merged" and width % heads:
        raise ValueError(f"d_out {width} does not split into {heads} heads")
    torch.manual_seed(seed)
    projector = None
    if projection == "none":
        q = k = v = x[None]
    elif projection == "rand":
        w_query, w_key, w_value = (torch.rand(d_in, width) for _ in range(3))
        q, k, v = ((x @ w)[None] for w in (w_query, w_key, w_value))
    elif multihead == "stack" or heads == 1:
        layers = [[nn.Linear(d_in, width, bias=False) for _ in range(3)] for _ in range(heads)]
        q, k, v = (torch.stack([head[i](x) for head in layers]) for i in range(3))
    else:
        query, key, value = (nn.Linear(d_in, width, bias=False) for _ in range(3))
        projector = nn.Linear(width, width)
        split = width // heads
        q, k, v = (layer(x).view(-1, heads, split).transpose(0, 1) for layer in (query, key, value))
    scores = q @ k.transpose(-2, -1)
    if scaled:
        scores = scores / math.sqrt(k.shape[-1])
    length = x.shape[0]
    if causal:
        future = torch.triu(torch.ones(length, length, dtype=torch.bool), diagonal=1)
        masked = scores.masked_fill(future, float("-inf"))
    else:
        masked = scores
    weights = torch.softmax(masked, dim=-1)
    scale = None
    if dropout:
        # nn.Dropout draws one keep/drop per element and multiplies by mask / (1 - p): drawn on
        # ones of the weights' shape, the same draws give the scale itself, which the cell
        # arithmetic shows; weights × scale is what nn.Dropout(weights) returns.
        scale = nn.Dropout(dropout).train()(torch.ones_like(weights))
        weights = weights * scale
    context = weights @ v  # (H, T, D)
    merged = context.transpose(0, 1).reshape(length, context.shape[0] * context.shape[-1])
    output = projector(merged) if projector is not None else merged
    return BookAttention(
        *(t.numpy().astype(np.float32) for t in (scores, masked, weights, context, output, q, k, v)),
        dropout_scale=None if scale is None else scale.numpy().astype(np.float32),
    )
