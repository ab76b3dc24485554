"""The arithmetic of one attention cell: from a query and a key to the head's context vector.

For head h, query position q and key position k of the shown layer:
    dot     = q_vec · k_vec
    score   = dot / divisor            (divisor √D, or 1 with scaling off)
    weights = softmax of row q's scores, the masked keys left out
    context = Σ_j weights[j] · v_j     (the head's output for query q, before the heads are merged)

Every number comes from the result's own vectors, so the lessons can show each step with the
values the panes drew; `context` is what the head handed on (tests compare it to the model's).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from engine.pipeline.results import Attention


@dataclass(frozen=True)
class CellArithmetic:
    """Attributes:
    head, query_position, key_position: the cell.
    query, key: (D,) the two vectors; dot: their dot product; divisor: what it is divided by;
    score: dot / divisor (the scores matrix holds the same number).
    visible: (n,) the key positions row `query_position` may attend to (the mask's zeros).
    row_scores, row_weights: (n,) the scores and softmax weights of those keys.
    weight: the cell's own weight (0 where the mask hides the key), after dropout if any.
    values: (n, D) their value vectors; weighted: (n, D) each times its weight;
    context: (D,) the sum of `weighted`.
    dropout_scale: (n,) what dropout multiplied those keys' weights by (0 or 1 / (1 - p)), and
    softmax_weight: the cell's weight before it; None and `weight` without dropout.
    """

    head: int
    query_position: int
    key_position: int
    query: np.ndarray
    key: np.ndarray
    dot: float
    divisor: float
    score: float
    visible: np.ndarray
    row_scores: np.ndarray
    row_weights: np.ndarray
    weight: float
    values: np.ndarray
    weighted: np.ndarray
    context: np.ndarray
    dropout_scale: np.ndarray | None = None
    softmax_weight: float | None = None

    @property
    def used_weights(self) -> np.ndarray:
        """(n,) the weights the context sums with: the softmax's, times dropout's scale if any."""
        return self.row_weights if self.dropout_scale is None else self.row_weights * self.dropout_scale

    @property
    def masked(self) -> bool:
        return self.key_position not in set(self.visible.tolist())

    def as_dict(self) -> dict:
        """Every number, for JSON (`inspect --cell --json`, the app's export)."""
        return {
            "head": self.head,
            "query_position": self.query_position,
            "key_position": self.key_position,
            "query": self.query.tolist(),
            "key": self.key.tolist(),
            "dot": self.dot,
            "divisor": self.divisor,
            "score": self.score,
            "masked": self.masked,
            "weight": self.weight,
            "row": {
                "keys": self.visible.tolist(),
                "scores": self.row_scores.tolist(),
                "weights": self.row_weights.tolist(),
                "values": self.values.tolist(),
            },
            "context": self.context.tolist(),
            "dropout_scale": None if self.dropout_scale is None else self.dropout_scale.tolist(),
            "softmax_weight": self.softmax_weight,
        }


def cell_arithmetic(attention: Attention, head: int, query: int, key: int) -> CellArithmetic:
    """The steps of cell (`query`, `key`) of `head` in the shown layer.

    Raises:
        ValueError: a head or position outside the result, or a result without its vectors.
    """
    vectors = attention.vectors
    if vectors is None:
        raise ValueError("this result kept no query, key and value vectors")
    heads, length = attention.weights.shape[0], attention.weights.shape[1]
    if not 0 <= head < heads:
        raise ValueError(f"head {head}: choose a head from 0 to {heads - 1}")
    for name, position in (("query", query), ("key", key)):
        if not 0 <= position < length:
            raise ValueError(f"{name} position {position}: choose one from 0 to {length - 1}")
    q_vec = vectors.query(head, query).astype(np.float64)
    k_vec = vectors.key(head, key).astype(np.float64)
    divisor = math.sqrt(q_vec.shape[0]) if attention.scaled else 1.0
    dot = float(q_vec @ k_vec)
    visible = np.flatnonzero(~attention.mask[query])
    keys = vectors.keys.whole()[head][visible].astype(np.float64)
    row_scores = (keys @ q_vec) / divisor
    # A row always sees at least itself with the causal mask, and every key without it.
    shifted = np.exp(row_scores - row_scores.max())
    row_weights = shifted / shifted.sum()
    scale = None
    if attention.dropout_scale is not None:
        scale = attention.dropout_scale[head, query, visible].astype(np.float64)
    used = row_weights if scale is None else row_weights * scale
    values = vectors.head_values(head)[visible].astype(np.float64)
    weighted = used[:, None] * values
    where = np.flatnonzero(visible == key)
    softmax_weight = float(row_weights[where[0]]) if len(where) else 0.0
    return CellArithmetic(
        head=head,
        query_position=query,
        key_position=key,
        query=q_vec,
        key=k_vec,
        dot=dot,
        divisor=divisor,
        score=dot / divisor,
        visible=visible,
        row_scores=row_scores,
        row_weights=row_weights,
        weight=float(used[where[0]]) if len(where) else 0.0,
        values=values,
        weighted=weighted,
        context=weighted.sum(axis=0),
        dropout_scale=scale,
        softmax_weight=None if scale is None else softmax_weight,
    )
