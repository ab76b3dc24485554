"""Summaries of attention weights: one head or the mean of all, a query's top keys, entropy."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


def head_weights(weights: np.ndarray, head: int | None) -> np.ndarray:
    """One head's (T, T) weights, or their mean over heads.

    Args:
        weights: (heads, T, T) attention weights.
        head: The head to take, or None for the mean over all heads.
    """
    return weights.mean(axis=0) if head is None else weights[head]


def entropy_bits(weights: np.ndarray) -> float:
    """Shannon entropy, in bits, of a row of weights that sums to 1: -Σ p·log2(p) over p > 0.

    0 when one key takes all the weight; log2(n) when n keys share it equally. Computed in the
    row's own dtype. NaN when no weight is positive.
    """
    nonzero = weights[weights > 0]
    return float(-(nonzero * np.log2(nonzero)).sum()) if nonzero.size else math.nan


@dataclass(frozen=True)
class TopKeys:
    """The keys a query attends to most.

    Attributes:
        keys: (k,) key indices, largest weight first (ties: the lower index first); only keys
            with positive weight, at most the number asked for.
        weights: (k,) their weights, in the row's dtype.
        attended: How many keys have a non-zero weight in the whole row.
        entropy: `entropy_bits` of the whole row.
    """

    keys: np.ndarray
    weights: np.ndarray
    attended: int
    entropy: float


def top_keys(row: np.ndarray, count: int) -> TopKeys:
    """The `count` keys of largest weight in one query's row, stopping at the first weight <= 0.

    Args:
        row: (T,) one query's weights over its keys.
        count: Keys wanted at most.
    """
    order = np.argsort(-row, kind="stable")[:count]
    ranked = row[order]
    not_positive = np.flatnonzero(ranked <= 0)
    shown = int(not_positive[0]) if not_positive.size else len(order)
    return TopKeys(order[:shown], ranked[:shown], int(np.count_nonzero(row)), entropy_bits(row))
