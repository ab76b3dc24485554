"""The fixed sinusoidal position encodings, in numpy.

`engine.nn.positions.sinusoidal_positions` computes the same numbers with torch, which the app
must not import to draw a plot; this version lets the positions pane draw positions past the end
of a short text.
"""

from __future__ import annotations

import numpy as np


def sinusoidal_table(n_positions: int, dim: int, base: float = 10000.0) -> np.ndarray:
    """PE[p, 2i] = sin(p / base^(2i/dim)) and PE[p, 2i+1] = cos(p / base^(2i/dim)).

    Args:
        n_positions: Positions 0 to n_positions - 1.
        dim: Vector size (odd sizes end with a sine).
        base: The wavelength scale (10,000 in the original Transformer).

    Returns:
        Float32 array, shape (n_positions, dim), computed in float64 like the engine's.
    """
    positions = np.arange(n_positions, dtype=np.float64)[:, None]
    pair_index = np.arange(0, dim, 2, dtype=np.float64)
    angles = positions / base ** (pair_index / dim)  # (n_positions, ceil(dim/2))
    encoding = np.empty((n_positions, dim), dtype=np.float64)
    encoding[:, 0::2] = np.sin(angles)
    encoding[:, 1::2] = np.cos(angles[:, : dim // 2])
    return encoding.astype(np.float32)


def extend_sinusoidal(table: np.ndarray, n_positions: int) -> np.ndarray:
    """`table`'s rows (the encodings the pipeline returned), then the formula's up to `n_positions`.

    Args:
        table: (n, dim) sinusoidal encodings of positions 0..n-1.
        n_positions: How many positions are wanted.

    Returns:
        `table` itself when it already has `n_positions` rows or more; else (n_positions, dim).
    """
    n, dim = table.shape
    if n_positions <= n:
        return table
    return np.concatenate([table, sinusoidal_table(n_positions, dim)[n:]])
