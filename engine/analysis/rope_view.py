"""What rotary positions (RoPE) do, in numbers the positions pane plots (numpy only).

A rotary model adds no position vector. Pair i of a query or key head (channels i and i + D/2) is
turned by the angle `position * inv_freq[i]`: the first pairs spin fast, the last ones slowly.
Because a query at position m and a key at position n are both turned, their dot product depends
on m - n only; `distance_scores` computes that, for positions and the same positions shifted.
The frequencies come from the result (`engine.pipeline.results.RopeInfo`), computed by the model.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

PAIRS_SHOWN = 5
"""Frequency pairs `shown_pairs` picks, from the fastest to the slowest."""


def rope_angles(positions: np.ndarray, inv_freq: np.ndarray) -> np.ndarray:
    """(T, D/2) float64 angles in radians: `positions[t] * inv_freq[i]`."""
    return np.asarray(positions, dtype=np.float64)[:, None] * np.asarray(inv_freq, dtype=np.float64)[None, :]


def shown_pairs(pairs: int, count: int = PAIRS_SHOWN) -> list[int]:
    """Up to `count` pair indices spread evenly from the fastest (0) to the slowest (pairs - 1)."""
    return sorted({int(round(i)) for i in np.linspace(0, pairs - 1, min(count, pairs))})


@dataclass(frozen=True)
class Stretching:
    """Which pairs a frequency scaling (llama3) slowed down, and by how much.

    Attributes:
        ratio: (D/2,) float64 unscaled / scaled inverse frequency: 1 where a pair is kept,
            `factor` where it is fully stretched, between for the blended band.
        kept, blended, stretched: the pair indices of each kind.
    """

    ratio: np.ndarray
    kept: tuple[int, ...]
    blended: tuple[int, ...]
    stretched: tuple[int, ...]


def stretching(inv_freq: np.ndarray, unscaled_inv_freq: np.ndarray, factor: float) -> Stretching:
    """Compare the model's inverse frequencies with the unscaled ones, pair by pair."""
    ratio = np.asarray(unscaled_inv_freq, dtype=np.float64) / np.asarray(inv_freq, dtype=np.float64)
    kept = np.isclose(ratio, 1.0, rtol=1e-5)
    full = np.isclose(ratio, factor, rtol=1e-5) & ~kept
    return Stretching(
        ratio=ratio,
        kept=tuple(np.flatnonzero(kept).tolist()),
        blended=tuple(np.flatnonzero(~kept & ~full).tolist()),
        stretched=tuple(np.flatnonzero(full).tolist()),
    )


def wavelengths(inv_freq: np.ndarray) -> np.ndarray:
    """(D/2,) float64 positions per full turn of each pair: 2π / inv_freq."""
    return 2 * np.pi / np.asarray(inv_freq, dtype=np.float64)


def rotate(vector: np.ndarray, position: float, inv_freq: np.ndarray) -> np.ndarray:
    """(D,) `vector` turned as a query or key at `position`: pair (i, i + D/2) by position·inv_freq[i].

    The same arithmetic as the model's `x·cos + rotate_half(x)·sin`, in float64.
    """
    angles = rope_angles(np.array([position]), inv_freq)[0]
    cos, sin = np.cos(angles), np.sin(angles)
    first, second = np.split(np.asarray(vector, dtype=np.float64), 2)
    return np.concatenate((first * cos - second * sin, second * cos + first * sin))


@dataclass(frozen=True)
class DistanceScores:
    """q·k of one fixed query and key, rotated to positions m = n + distance and n.

    Attributes:
        distances: (N,) m - n for each score.
        scores: (N,) float64 q·k with the key at position `start` and the query `distance` later.
        shifted: (N,) the same with both positions moved by `shift`.
        start, shift: the key's first position, and how far both were moved.
        max_difference: the largest |scores - shifted|: rounding only, since only m - n counts.
    """

    distances: np.ndarray
    scores: np.ndarray
    shifted: np.ndarray
    start: int
    shift: int
    max_difference: float


def fixed_query_key(head_dim: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """A query and a key of `head_dim` standard normal numbers, the same for every call with `seed`."""
    rng = np.random.default_rng(seed)
    return rng.standard_normal(head_dim), rng.standard_normal(head_dim)


def distance_scores(
    query: np.ndarray,
    key: np.ndarray,
    inv_freq: np.ndarray,
    distances: int,
    start: int = 0,
    shift: int = 1000,
) -> DistanceScores:
    """Rotate `query` to n + d and `key` to n for d in 0..distances-1, at n = start and n = start + shift."""
    steps = np.arange(distances)

    def scores_from(n: int) -> np.ndarray:
        key_at_n = rotate(key, n, inv_freq)
        return np.array([rotate(query, n + d, inv_freq) @ key_at_n for d in steps.tolist()])

    scores, shifted = scores_from(start), scores_from(start + shift)
    return DistanceScores(
        distances=steps,
        scores=scores,
        shifted=shifted,
        start=start,
        shift=shift,
        max_difference=float(np.max(np.abs(scores - shifted))) if distances else 0.0,
    )
