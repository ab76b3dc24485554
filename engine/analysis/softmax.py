"""Softmax of one row of scores."""

from __future__ import annotations

import numpy as np


def softmax(scores: np.ndarray) -> np.ndarray:
    """Softmax of a 1-D array, in float64.

    The largest score is subtracted first, so large scores do not overflow; a score of -inf gets
    exactly 0.

    Args:
        scores: (n,) any real dtype, at least one finite value.

    Returns:
        (n,) float64 weights that sum to 1.
    """
    scores = np.asarray(scores, dtype=np.float64)
    exps = np.exp(scores - scores.max())
    return exps / exps.sum()
