"""Position information: learned absolute embeddings and fixed sinusoidal encodings.

Attention compares every token with every other and would give the same result for any
order of the tokens; adding a position vector to each token vector is what breaks that symmetry.
"""

from __future__ import annotations

import torch

from engine.nn.embeddings import normal_table


def learned_positions(context: int, dim: int, seed: int) -> torch.Tensor:
    """A trainable-style (context, dim) table, one row per position, seeded like the token table."""
    return normal_table(context, dim, seed)


def sinusoidal_positions(context: int, dim: int, base: float = 10000.0) -> torch.Tensor:
    """Fixed encodings: PE[p, 2i] = sin(p / base^(2i/dim)), PE[p, 2i+1] = cos(p / base^(2i/dim)).

    Each pair of dimensions is a wave of its own wavelength, from 2π up to base·2π, so nearby
    positions get similar vectors and every offset is a fixed rotation.
    """
    positions = torch.arange(context, dtype=torch.float64)[:, None]
    pair_index = torch.arange(0, dim, 2, dtype=torch.float64)
    angles = positions / base ** (pair_index / dim)  # (context, ceil(dim/2))
    encoding = torch.zeros(context, dim, dtype=torch.float64)
    encoding[:, 0::2] = torch.sin(angles)
    encoding[:, 1::2] = torch.cos(angles[:, : dim // 2])
    return encoding.float()
