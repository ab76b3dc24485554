"""Why attention divides its scores by √d: one query's softmax with and without the division."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from engine.analysis.softmax import softmax

if TYPE_CHECKING:
    from engine.pipeline.results import PipelineResult


@dataclass(frozen=True)
class ScalingComparison:
    """One query's attention over the keys it sees, computed both ways.

    Attributes:
        unscaled: (keys,) float64 softmax of the raw dot products; sums to 1.
        scaled: (keys,) float64 softmax of the dot products divided by √head_size; sums to 1.
        head_size: d, the size of one head's vectors (the scores are divided by √d).
    """

    unscaled: np.ndarray
    scaled: np.ndarray
    head_size: int


def head_size(result: PipelineResult) -> int:
    """d, the size of one head's queries and keys: a rotary model's own head_dim (Qwen3 0.6B: 128,
    not its width 1024 / 16 heads), else the width divided among the heads."""
    rope = None if result.model is None else result.model.rope
    return rope.head_dim if rope is not None else result.settings.dim // result.settings.heads


def scaling_comparison(result: PipelineResult, query: int, head: int = 0) -> ScalingComparison:
    """The attention of one query over its keys, without and with dividing the scores by √d.

    Uses the pipeline's own scores, whichever way they were computed: when `result.attention`
    is scaled its scores are multiplied back by √d to get the raw dot products.

    Args:
        result: A pipeline result with at least `query + 1` used tokens.
        query: The query token.
        head: The attention head.

    Returns:
        Both softmaxes over the keys the query sees (keys 0..query under the causal mask, all
        keys without it), and the head size.

    Raises:
        IndexError: If the query or the head is out of range.
    """
    attention = result.attention
    heads, tokens, _ = attention.scores.shape
    if not 0 <= query < tokens:
        raise IndexError(f"query {query} is outside the {tokens} attended tokens")
    if not 0 <= head < heads:
        raise IndexError(f"head {head} is outside the {heads} heads")
    scores = attention.scores[head, query].astype(np.float64)
    if attention.causal:
        scores = scores[: query + 1]
    size = head_size(result)
    root = math.sqrt(size)
    unscaled = scores * root if attention.scaled else scores
    return ScalingComparison(softmax(unscaled), softmax(unscaled / root), size)
