"""The logit lens: what each layer's residual stream would predict if the model stopped there.

Each layer's stream goes through the model's final norm and output head, as the last layer's
does; the row after the last block is the model's own prediction (read from the hidden states the
model normalised itself, so it equals the Next-token pane's). Probabilities are a plain softmax
at temperature 1 over every output row but the suppressed ones, as the Next-token pane's are.

Numpy only; a (V, C) head product per read-out: the map reads only the cells it is asked for.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.pipeline.results import NextToken, ResidualStream

_CHUNK = 64  # rows of logits at a time: 64 × 128,256 in float64, with its exp, is about 130 MB


@dataclass(frozen=True)
class LensToken:
    """One output row: its tokenizer id and probability."""

    row: int
    token_id: int
    prob: float


@dataclass(frozen=True)
class LensLayer:
    """What the stream after `layer` predicts (layer 0: after the embeddings; layer L: the model).

    Attributes:
        top: the k most probable tokens, most probable first.
        entropy: of the whole distribution, in bits.
        final_top1_prob, final_top1_rank: the probability here of the model's own top-1 token,
            and its rank here (1: it is this layer's top-1 too).
    """

    layer: int
    top: tuple[LensToken, ...]
    entropy: float
    final_top1_prob: float
    final_top1_rank: int


@dataclass(frozen=True)
class Lens:
    """The lens at one position: a `LensLayer` per layer, from the embeddings to the last block."""

    position: int
    layers: tuple[LensLayer, ...]

    @property
    def final(self) -> LensLayer:
        return self.layers[-1]


def _read_out(stream: ResidualStream, next_token: NextToken, vectors: np.ndarray, last: np.ndarray | None):
    """Probabilities (n, V) float64 for (n, C) stream vectors; `last`: rows already normalised."""
    normed = stream.norm(vectors) if last is None else last
    logits = (normed @ next_token.head.T).astype(np.float64)
    if next_token.suppressed:
        logits[:, list(next_token.suppressed)] = -np.inf
    logits -= logits.max(axis=1, keepdims=True)
    probs = np.exp(logits)
    probs /= probs.sum(axis=1, keepdims=True)
    return probs


def _entropy_bits(probs: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(probs > 0, probs * np.log2(probs), 0.0)
    return -terms.sum(axis=1)


def lens_at(stream: ResidualStream, next_token: NextToken, position: int, k: int = 5) -> Lens:
    """The lens at `position`: every layer's top `k`, entropy, and the final top-1's probability and rank."""
    residuals = stream.at(position)  # (L + 1, C)
    probs = np.concatenate(
        (
            _read_out(stream, next_token, residuals[:-1], None),
            _read_out(stream, next_token, residuals[-1:], next_token.hidden[position : position + 1]),
        )
    )
    final_row = int(np.argmax(probs[-1]))
    entropies = _entropy_bits(probs)
    layers = []
    for layer, row_probs in enumerate(probs):
        order = np.argsort(-row_probs, kind="stable")[:k]
        top = tuple(
            LensToken(int(row), next_token.token_id(int(row)), float(row_probs[row])) for row in order
        )
        final_prob = row_probs[final_row]
        rank = 1 + int(np.count_nonzero(row_probs > final_prob))
        layers.append(LensLayer(layer, top, float(entropies[layer]), float(final_prob), rank))
    return Lens(position, tuple(layers))


@dataclass(frozen=True)
class LensMap:
    """Each asked-for cell's top-1: `rows` and `probs` are (layers, positions), for the layers
    `layers` and positions `start`..`start + positions - 1`."""

    start: int
    layers: range
    rows: np.ndarray
    probs: np.ndarray


def lens_map(stream: ResidualStream, next_token: NextToken, start: int, stop: int, layers: range) -> LensMap:
    """Top-1 row and probability of each layer in `layers` (0..L) at positions start..stop-1."""
    blocks = stream.blocks
    stop = min(stop, stream.residuals.length)
    window = stream.window(start, stop)  # (L + 1, n, C)
    count = max(stop - start, 0)
    rows = np.zeros((len(layers), count), dtype=np.int64)
    probs = np.zeros((len(layers), count), dtype=np.float32)
    for index, layer in enumerate(layers):
        last = next_token.hidden[start:stop] if layer == blocks else None
        for low in range(0, count, _CHUNK):
            high = min(low + _CHUNK, count)
            chunk_last = None if last is None else last[low:high]
            cell = _read_out(stream, next_token, window[layer, low:high], chunk_last)
            best = np.argmax(cell, axis=1)
            rows[index, low:high] = best
            probs[index, low:high] = cell[np.arange(high - low), best]
    return LensMap(start, layers, rows, probs)
