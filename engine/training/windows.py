"""Input/target pairs for next-token training, cut from one long id sequence.

A window of `max_length` ids slides along the text in steps of `stride`; each target is its
input shifted one id to the right, so position i of a pair asks "what follows ids[..i]?".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from engine.errors import SettingsError


@dataclass(frozen=True)
class Windows:
    """Input/target pairs.

    Attributes:
        inputs: (n_pairs, max_length) int64.
        targets: (n_pairs, max_length) int64, each row the input row shifted by one.
        starts: (n_pairs,) index of each window's first id in the sequence.
    """

    inputs: np.ndarray
    targets: np.ndarray
    starts: np.ndarray


def sliding_windows(ids: Sequence[int] | np.ndarray, max_length: int, stride: int) -> Windows:
    """All pairs whose target still fits in `ids` (so the last id is never an input alone)."""
    if max_length < 1 or stride < 1:
        raise SettingsError("--max-length and --stride must be at least 1")
    ids = np.asarray(ids, dtype=np.int64)
    starts = np.arange(0, max(len(ids) - max_length, 0), stride, dtype=np.int64)
    offsets = np.arange(max_length, dtype=np.int64)
    inputs = ids[starts[:, None] + offsets] if len(starts) else np.zeros((0, max_length), np.int64)
    targets = ids[starts[:, None] + offsets + 1] if len(starts) else np.zeros((0, max_length), np.int64)
    return Windows(inputs, targets, starts)


def make_dataset(ids: Sequence[int] | np.ndarray, max_length: int, stride: int):
    """A torch Dataset of (input, target) tensor pairs."""
    import torch
    from torch.utils.data import TensorDataset

    windows = sliding_windows(ids, max_length, stride)
    return TensorDataset(torch.from_numpy(windows.inputs), torch.from_numpy(windows.targets))


def make_loader(
    ids: Sequence[int] | np.ndarray,
    max_length: int = 256,
    stride: int = 128,
    batch_size: int = 4,
    shuffle: bool = False,
    drop_last: bool = True,
    seed: int | None = None,
):
    """A DataLoader over `make_dataset`; `seed` makes shuffling reproducible without global state."""
    import torch
    from torch.utils.data import DataLoader

    if batch_size < 1:
        raise SettingsError("--batch-size must be at least 1")
    generator = torch.Generator().manual_seed(seed) if seed is not None else None
    return DataLoader(
        make_dataset(ids, max_length, stride),
        batch_size=batch_size,
        shuffle=shuffle,
        drop_last=drop_last,
        generator=generator,
    )
