"""What the next-token list needs besides `engine.sampling`: keyed seeds and the drawable count.

The distribution itself, its top ids (`Distribution.top`) and the draw (`sample`) are in
`engine.sampling.distribution`, which imports torch; these helpers are numpy only.
"""

from __future__ import annotations

import numpy as np


def keyed_generator(*keys: int) -> np.random.Generator:
    """A numpy generator seeded by several integers: the same keys give the same draws.

    The next-token pane keys each draw by (settings seed, draw number, position), so redrawing
    (a new draw number) or moving to another token gives a new draw, and coming back gives the
    old one again.
    """
    return np.random.default_rng(list(keys))


def drawable_count(probs: np.ndarray) -> int:
    """How many ids have a non-zero probability, i.e. can be drawn (the rest were cut)."""
    return int(np.count_nonzero(probs))
