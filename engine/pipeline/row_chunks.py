"""`RowChunks`: per-position numbers kept as the chunks the runs computed them in.

The residual stream of every layer is (L + 1, T, C): 40 MB for GPT-2 at 1,000 tokens. Joining a
kept prefix with a keystroke's one new position by `np.concatenate` would copy all of it on every
keystroke; here the kept chunks are shared (they are never written), the new rows become one more
chunk, and the chunks are merged into one only when there are many of them (amortised: one copy
per `MERGE_AT` keystrokes).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

MERGE_AT = 32


@dataclass(frozen=True)
class RowChunks:
    """Positions along `axis` of a set of arrays, in order: chunk i holds the positions after
    chunk i - 1's. Read-only: `append` and `prefix` return new objects sharing the chunks."""

    chunks: tuple[np.ndarray, ...]
    axis: int

    @staticmethod
    def of(array: np.ndarray, axis: int) -> RowChunks:
        return RowChunks((_read_only(array),), axis)

    @property
    def length(self) -> int:
        return sum(int(chunk.shape[self.axis]) for chunk in self.chunks)

    def prefix(self, length: int) -> RowChunks:
        """The first `length` positions (views, no copy)."""
        kept: list[np.ndarray] = []
        left = length
        for chunk in self.chunks:
            if left <= 0:
                break
            size = int(chunk.shape[self.axis])
            kept.append(chunk if size <= left else _take(chunk, self.axis, slice(0, left)))
            left -= size
        return RowChunks(tuple(kept), self.axis)

    def append(self, array: np.ndarray) -> RowChunks:
        """These positions followed by `array`'s."""
        chunks = (*self.chunks, _read_only(array))
        if len(chunks) >= MERGE_AT:
            chunks = (_read_only(np.concatenate(chunks, axis=self.axis)),)
        return RowChunks(chunks, self.axis)

    def at(self, position: int) -> np.ndarray:
        """The numbers of one position (the axis dropped)."""
        if not 0 <= position < self.length:
            raise IndexError(f"position {position} of {self.length}")
        for chunk in self.chunks:
            size = int(chunk.shape[self.axis])
            if position < size:
                return _take(chunk, self.axis, position)
            position -= size
        raise AssertionError("unreachable")

    def window(self, start: int, stop: int) -> np.ndarray:
        """Positions start..stop-1 as one array (a view when they lie in one chunk)."""
        start, stop = max(start, 0), min(stop, self.length)
        parts: list[np.ndarray] = []
        offset = 0
        for chunk in self.chunks:
            size = int(chunk.shape[self.axis])
            low, high = max(start - offset, 0), min(stop - offset, size)
            if low < high:
                parts.append(_take(chunk, self.axis, slice(low, high)))
            offset += size
        if not parts:
            if not self.chunks:
                raise ValueError("no positions to take a window of")
            shape = list(self.chunks[0].shape)
            shape[self.axis] = 0
            return np.zeros(shape, dtype=np.float32)
        return parts[0] if len(parts) == 1 else np.concatenate(parts, axis=self.axis)

    def whole(self) -> np.ndarray:
        return self.window(0, self.length)


def _take(array: np.ndarray, axis: int, index: int | slice) -> np.ndarray:
    return array[(slice(None),) * axis + (index,)]


def _read_only(array: np.ndarray) -> np.ndarray:
    view = array.view()
    view.flags.writeable = False
    return view
