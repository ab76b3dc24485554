"""Recycled (H, T, T) buffers for the attention maps of runs that reuse a prefix.

Joining a kept prefix with new rows into fresh (H, T, T) arrays copied the whole map twice per
keystroke (scores and weights: 96 MB at 1,000 tokens and 12 heads, a third of a keystroke's time
with GPT-2). A buffer that no result uses any more is written again instead: its rows for the ids
it already holds stay, and only the rows (and the columns of earlier rows) that differ are written.

Results stay immutable: a buffer is reused only when nothing but this pool references it (every
result's arrays are views of their buffer, so CPython's reference count says whether one lives),
and the views handed out are read-only. At most `KEEP` buffers are kept; with more results alive
(a hidden pane holding an old one), a run gets a buffer of its own that the pool does not keep.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field

import numpy as np

KEEP = 3
_STEP = 256  # capacities grow in steps of this many positions, so typing does not reallocate each key


@dataclass
class Square:
    """A pair of (H, C, C) buffers and the ids whose rows and columns they hold (the first len(ids))."""

    scores: np.ndarray
    weights: np.ndarray
    ids: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))

    @property
    def capacity(self) -> int:
        return int(self.scores.shape[1])

    def views(self, length: int) -> tuple[np.ndarray, np.ndarray]:
        """Read-only (H, length, length) views of both buffers."""
        views = self.scores[:, :length, :length], self.weights[:, :length, :length]
        for view in views:
            view.flags.writeable = False
        return views


def _unused(square: Square) -> bool:
    # References: the square's attribute and getrefcount's own argument; any view adds one.
    return sys.getrefcount(square.scores) <= 2 and sys.getrefcount(square.weights) <= 2


class SquarePool:
    """Buffers for the attention maps of one `PrefixCache`."""

    def __init__(self) -> None:
        self._squares: list[Square] = []

    def clear(self) -> None:
        self._squares.clear()

    def take(self, heads: int, length: int) -> Square:
        """A square of `heads` heads holding at least `length` positions that no result uses: a
        kept one (the one sharing the most ids first is the caller's concern: any will do), else
        a new one, kept if there is room."""
        for square in self._squares:
            if square.scores.shape[0] == heads and square.capacity >= length and _unused(square):
                return square
        capacity = -(-(length + 1) // _STEP) * _STEP
        square = Square(
            np.empty((heads, capacity, capacity), dtype=np.float32),
            np.empty((heads, capacity, capacity), dtype=np.float32),
        )
        self._squares = [kept for kept in self._squares if not _unused(kept)]  # drop outgrown ones
        if len(self._squares) < KEEP:
            self._squares.append(square)
        return square
