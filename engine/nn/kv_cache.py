"""The key/value cache: every layer's keys and values of the positions a model has read.

A causal model's keys and values at position i depend on tokens 0..i only, so after an edit the
positions before it need not be computed again, and generating a token reads one new position.
Attention layers hand their new keys and values to `extend`, which writes them after the kept
ones and returns the whole lot; the model calls `advance` once every layer has done so.

Buffers are allocated per layer on first use and grow by doubling, so appending a token copies
nothing in the common case; `truncate` keeps a prefix without freeing (the next suffix
overwrites the rest). The cache holds keys as attention uses them (rotated, for rotary models)
and, for grouped-query attention, only the K shared heads, not their H-head repetition.

Shapes: B batch, K key/value heads, T positions, D head size.
"""

from __future__ import annotations

import torch

_FIRST_CAPACITY = 64  # positions: small texts do not reserve a whole context


class KeyValueCache:
    """Per layer, (B, K, T, D) keys and values of the first `length` positions.

    Args:
        layers: how many attention layers write into it.
    """

    def __init__(self, layers: int) -> None:
        self._keys: list[torch.Tensor | None] = [None] * layers
        self._values: list[torch.Tensor | None] = [None] * layers
        self.length = 0
        """Positions every layer holds (the next forward pass starts at this position)."""

    @property
    def layers(self) -> int:
        return len(self._keys)

    def extend(
        self, layer: int, keys: torch.Tensor, values: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Write (B, K, s, D) keys and values at positions `length`..`length + s` of `layer`;
        return that layer's (B, K, length + s, D) keys and values (views of the buffers)."""
        start, added = self.length, keys.shape[2]
        stop = start + added
        self._keys[layer] = _written(self._keys[layer], keys, start, stop)
        self._values[layer] = _written(self._values[layer], values, start, stop)
        return self._keys[layer][:, :, :stop], self._values[layer][:, :, :stop]

    def advance(self, added: int) -> None:
        """Every layer has written `added` more positions."""
        self.length += added

    def truncate(self, length: int) -> None:
        """Keep the first `length` positions (the rest is overwritten by the next `extend`)."""
        if not 0 <= length <= self.length:
            raise ValueError(f"cannot keep {length} of {self.length} cached positions")
        self.length = length

    @property
    def nbytes(self) -> int:
        """Bytes the kept positions take (what a text's keys and values cost)."""
        total = 0
        for buffer in (*self._keys, *self._values):
            if buffer is not None:
                batch, heads, _, size = buffer.shape
                total += batch * heads * self.length * size * buffer.element_size()
        return total


def new_positions(
    cache: KeyValueCache | None, length: int, context: int, last_layer: int | None, device
) -> torch.Tensor:
    """(T,) the positions of `length` new tokens, after the ones `cache` holds; ValueError when
    they do not fit in `context`, or when a pass that stops after `last_layer` would fill a cache
    whose later layers it never reaches."""
    if cache is not None and last_layer is not None:
        raise ValueError("a pass that stops after a layer cannot fill a key/value cache")
    start = cache.length if cache is not None else 0
    if start + length > context:
        raise ValueError(f"{start + length} tokens do not fit in the model's context of {context}")
    return torch.arange(start, start + length, device=device)


def _written(buffer: torch.Tensor | None, new: torch.Tensor, start: int, stop: int) -> torch.Tensor:
    """`buffer` (grown if it is too short) with `new` written at positions start..stop."""
    if buffer is None or buffer.shape[2] < stop or buffer.dtype != new.dtype or buffer.device != new.device:
        capacity = max(_FIRST_CAPACITY, stop)
        if buffer is not None:
            capacity = max(capacity, 2 * buffer.shape[2])
        batch, heads, _, size = new.shape
        grown = torch.empty(batch, heads, capacity, size, dtype=new.dtype, device=new.device)
        if buffer is not None and start:
            grown[:, :, :start] = buffer[:, :, :start]
        buffer = grown
    buffer[:, :, start:stop] = new
    return buffer
