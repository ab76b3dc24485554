"""Input/target pairs for next-token training, cut from one long id sequence.

A window of `max_length` ids slides along the text in steps of `stride`; each target is its
input shifted one id to the right, so position i of a pair asks "what follows ids[..i]?".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from engine.errors import SettingsError
from engine.note import note

MAX_LENGTH = 1 << 40  # ids in one window: far beyond any text, and within what numpy can size


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


def window_bytes(n_ids: int, max_length: int, stride: int) -> int:
    """Bytes the inputs and targets of `sliding_windows` take, told before any is made."""
    pairs = len(range(0, max(n_ids - max_length, 0), stride))
    return 2 * pairs * max_length * 8


def sliding_windows(
    ids: Sequence[int] | np.ndarray, max_length: int, stride: int, limit: int | None = None
) -> Windows:
    """All pairs whose target still fits in `ids` (so the last id is never an input alone).

    Raises SettingsError, before allocating, when the pairs would take more than `limit` bytes
    (default: the memory free now).
    """
    if max_length < 1 or stride < 1:
        raise SettingsError(note("--max-length and --stride must be at least 1"))
    if max_length > MAX_LENGTH:  # beyond what even an empty (0, max_length) array can describe
        raise SettingsError(
            note(
                "--max-length must be at most {most} ids, not {value}",
                most=f"{MAX_LENGTH:,}",
                value=f"{max_length:,}",
            )
        )
    ids = np.asarray(ids, dtype=np.int64)
    starts = np.arange(0, max(len(ids) - max_length, 0), stride, dtype=np.int64)
    if not len(starts):  # too few ids for one pair: (0, max_length) arrays hold no bytes at all
        return Windows(np.zeros((0, max_length), np.int64), np.zeros((0, max_length), np.int64), starts)
    needed = window_bytes(len(ids), max_length, stride)
    if limit is None:
        from engine.nn.device import free_memory

        limit = free_memory("cpu")
    if limit is not None and needed > limit:
        from engine.nn.device import format_bytes

        raise SettingsError(
            note(
                "{pairs} pairs of {length} ids need {size} but only {free} of memory is available; "
                "use a smaller --max-length or a larger --stride",
                pairs=f"{len(starts):,}",
                length=f"{max_length:,}",
                size=format_bytes(needed),
                free=format_bytes(limit),
            )
        )
    offsets = np.arange(max_length, dtype=np.int64)
    return Windows(ids[starts[:, None] + offsets], ids[starts[:, None] + offsets + 1], starts)


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
        raise SettingsError(note("--batch-size must be at least 1"))
    generator = torch.Generator().manual_seed(seed) if seed is not None else None
    dataset = make_dataset(ids, max_length, stride)
    return DataLoader(
        dataset,
        batch_size=batch_size,
        shuffle=shuffle and len(dataset) > 0,  # no pairs: nothing to shuffle (torch refuses 0 samples)
        drop_last=drop_last,
        generator=generator,
    )
