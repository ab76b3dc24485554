"""Reusing the last run: after an edit, only the positions from the first changed token on are computed.

The models are causal: nothing at a position before the first changed token can change, neither its
keys and values in any layer, nor its row of attention, nor its final hidden state (and so its
next-token prediction). `PrefixCache` keeps, from the last run, every layer's keys and values
(`KeyValueCache`), the shown layer's attention rows and queries, and the final hidden states. The
next run finds the longest common prefix of the old and new token ids (ids, not characters: BPE can
re-split a token or two before an edit), runs the model on the rest only, and joins the two.

What it cannot keep, it says with a full run:
- another model, seed, size, position kind or device (the caller's `key` changes; another encoding
  or the chat template changes the ids, which are compared, so what they share is still kept);
- the causal mask off (every query sees every key, so an edit changes every row: callers pass no cache);
- another layer shown *and* other ids. Another layer with the same ids runs the blocks up to that layer
  only, on every position: the keys and values of every layer and the final hidden states are already
  here, but not the queries of the new layer (keeping every layer's queries would cost as much as the
  keys again, for a switch the user makes once in a while), and a layer's queries need its input.

The shown layer need not wait for the rest: with `early`, its rows are joined and handed over
from inside the pass, as soon as the model is through that layer (`after_block`), and the pass
goes on to the deeper layers, whose hidden states and residual stream complete the same `Joined`.

Not thread-safe: one run at a time (the app's `LatestRun` guarantees it).
Shapes: H heads, T positions, s new positions, D head size, C model width.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np
import torch

from engine.nn.kv_cache import KeyValueCache
from engine.pipeline.row_chunks import RowChunks
from engine.pipeline.square_pool import SquarePool


def _numpy(tensor: torch.Tensor) -> np.ndarray:
    return tensor.detach().to("cpu", torch.float32).numpy()


def _own(tensor: torch.Tensor) -> np.ndarray:
    """A numpy copy: keys and values are views of the key/value cache, which later runs overwrite."""
    return np.array(_numpy(tensor), copy=True)


@dataclass(frozen=True)
class Rows:
    """What one forward pass computed for the positions from `start` on (torch, on the device).

    Attributes:
        start: the first position computed (the cached ones come before it).
        scores, weights: (H, s, start + s) the shown layer's scores (before the mask) and weights.
        queries: (H, s, D) the shown layer's queries; keys, values: (H, start + s, D) its keys (as
            scored) and values.
        divisor: what q·k was divided by (√D, or 1 unscaled).
        hidden: (s, C) final hidden states (models); context (H, s, D), output (s, C): random weights.
        residuals: (L + 1, s, C) the residual stream, added: (L, s, 2) what attention and the MLP
            add to it (models, not when the pass stopped at a layer).
    """

    start: int
    scores: torch.Tensor
    weights: torch.Tensor
    queries: torch.Tensor
    keys: torch.Tensor
    values: torch.Tensor
    divisor: float
    hidden: torch.Tensor | None = None
    context: torch.Tensor | None = None
    output: torch.Tensor | None = None
    residuals: torch.Tensor | None = None
    added: torch.Tensor | None = None


@dataclass(frozen=True)
class Joined:
    """Every used position's numbers (numpy, float32): the shown layer's (H, T, T) scores and
    weights, (T, C) hidden states, (H, T, D) context and (T, C) output (random weights), the
    shown layer's (H, T, D) queries (torch), against which the next run scores its new keys, and
    its keys and values (H, T, D); the residual stream (L + 1, T, C) and the (L, T, 2) norms of
    what the sublayers add (models)."""

    scores: np.ndarray
    weights: np.ndarray
    hidden: np.ndarray | None
    context: np.ndarray | None
    output: np.ndarray | None
    queries: torch.Tensor
    keys: RowChunks
    values: RowChunks
    residuals: RowChunks | None = None
    added: RowChunks | None = None

    @property
    def length(self) -> int:
        return int(self.scores.shape[1])

    def prefix(self, length: int) -> Joined:
        """The first `length` positions (views, no copy)."""

        def cut(array: np.ndarray | None, axis: int) -> np.ndarray | None:
            return None if array is None else array[(slice(None),) * axis + (slice(length),)]

        return Joined(
            scores=self.scores[:, :length, :length],
            weights=self.weights[:, :length, :length],
            hidden=cut(self.hidden, 0),
            context=cut(self.context, 1),
            output=cut(self.output, 0),
            queries=self.queries[:, :length],
            keys=self.keys.prefix(length),
            values=self.values.prefix(length),
            residuals=None if self.residuals is None else self.residuals.prefix(length),
            added=None if self.added is None else self.added.prefix(length),
        )


def _joined_chunks(old: RowChunks | None, new: torch.Tensor | None) -> RowChunks | None:
    if new is None:
        return None
    return RowChunks.of(_numpy(new), 1) if old is None else old.append(_numpy(new))


def _joined_rows(old: np.ndarray | None, new: torch.Tensor | None, axis: int) -> np.ndarray | None:
    if new is None:
        return None
    if old is None:
        return _numpy(new)
    return np.concatenate((old, _numpy(new)), axis=axis)


def join(
    kept: Joined | None, rows: Rows, ids: np.ndarray | None = None, pool: SquarePool | None = None
) -> Joined:
    """The kept first `rows.start` positions followed by the new rows; with a `pool`, the maps
    are written into a recycled buffer (`ids`: the run's ids, what the buffer will hold)."""
    start = rows.start
    if start == 0 or kept is None:
        return Joined(
            _numpy(rows.scores),
            _numpy(rows.weights),
            None if rows.hidden is None else _numpy(rows.hidden),
            None if rows.context is None else _numpy(rows.context),
            None if rows.output is None else _numpy(rows.output),
            rows.queries,
            keys=RowChunks.of(_own(rows.keys), 1),
            values=RowChunks.of(_own(rows.values), 1),
            residuals=_joined_chunks(None, rows.residuals),
            added=_joined_chunks(None, rows.added),
        )
    kept = kept.prefix(start)
    heads, added, length = rows.scores.shape
    if pool is None or ids is None:
        scores = np.empty((heads, length, length), dtype=np.float32)
        weights = np.empty_like(scores)
        valid = 0
    else:
        square = pool.take(heads, length)
        scores, weights = square.scores, square.weights
        # Rows and columns of the ids the buffer already holds are right as they are.
        valid = min(common_prefix(square.ids, ids), start)
        square.ids = np.array(ids, copy=True)
    # The kept rows the buffer lacks, and the columns its kept rows lack (the causal mask makes the
    # latter zero weights, but the scores before masking are there).
    scores[:, valid:start, :start] = kept.scores[:, valid:start]
    scores[:, :valid, valid:start] = kept.scores[:, :valid, valid:start]
    weights[:, valid:start, :start] = kept.weights[:, valid:start]
    weights[:, :valid, valid:start] = kept.weights[:, :valid, valid:start]
    # The earlier queries against the new keys: hidden from them by the mask, but the matrix holds
    # every q·k before masking, as a full run's does.
    earlier = kept.queries.float() @ rows.keys[:, start:].float().transpose(-2, -1)  # (H, start, s)
    scores[:, :start, start:length] = _numpy(earlier / rows.divisor)
    scores[:, start:length, :length] = _numpy(rows.scores)
    weights[:, :start, start:length] = 0.0  # the future of an earlier query
    weights[:, start:length, :length] = _numpy(rows.weights)
    if pool is not None and ids is not None:
        scores, weights = square.views(length)
    return Joined(
        scores=scores,
        weights=weights,
        hidden=_joined_rows(kept.hidden, rows.hidden, 0),
        context=_joined_rows(kept.context, rows.context, 1),
        output=_joined_rows(kept.output, rows.output, 0),
        queries=torch.cat((kept.queries, rows.queries), dim=1),
        keys=kept.keys.append(_own(rows.keys[:, start:])),
        values=kept.values.append(_own(rows.values[:, start:])),
        residuals=_joined_chunks(kept.residuals, rows.residuals),
        added=_joined_chunks(kept.added, rows.added),
    )


def with_deeper_layers(shown: Joined, kept: Joined | None, rows: Rows) -> Joined:
    """`shown` (`kept` joined to the shown layer's rows of a pass) completed with what the rest of
    that pass computed (`rows`): the final hidden states and the residual stream."""
    if rows.start == 0 or kept is None:
        kept = None
    else:
        kept = kept.prefix(rows.start)
    return replace(
        shown,
        hidden=_joined_rows(None if kept is None else kept.hidden, rows.hidden, 0),
        residuals=_joined_chunks(None if kept is None else kept.residuals, rows.residuals),
        added=_joined_chunks(None if kept is None else kept.added, rows.added),
    )


def common_prefix(old: np.ndarray, new: np.ndarray) -> int:
    """How many leading ids `old` and `new` share."""
    size = min(len(old), len(new))
    differ = np.flatnonzero(old[:size] != new[:size])
    return int(differ[0]) if len(differ) else size


def model_forward(model, device: str, layer: int, head_dim: int) -> Forward:
    """The `Forward` of a GPT or an open decoder model (`forward` with a cache and a layer to
    capture), showing layer `layer` of heads `head_dim` wide; no logits (the hidden states are kept)."""

    def forward(
        ids: np.ndarray, cache: KeyValueCache | None, last_layer: int | None, shown: Shown | None = None
    ) -> Rows:
        start = cache.length if cache is not None else 0
        after_block = None
        if shown is not None:

            def after_block(index: int, captured) -> None:
                if index == layer:
                    scores, weights, queries, keys, values = (part[0] for part in captured)
                    shown(Rows(start, scores, weights, queries, keys, values, math.sqrt(head_dim)))

        output = model(
            torch.from_numpy(ids).to(device)[None],
            capture_attention={layer},
            cache=cache,
            last_layer=last_layer,
            logits="none",
            trace=True,
            after_block=after_block,
        )
        return Rows(
            start=start,
            scores=output.scores[layer][0],
            weights=output.attentions[layer][0],
            queries=output.queries[layer][0],
            keys=output.keys[layer][0],
            values=output.values[layer][0],
            divisor=math.sqrt(head_dim),
            hidden=None if output.hidden is None else output.hidden[0],
            residuals=None if output.residuals is None else output.residuals[0],
            added=None if output.added is None else output.added[0],
        )

    return forward


def _same(key: object, other: object) -> bool:
    """Keys name models and weights by the objects themselves: the same object, or equal plain values."""
    if isinstance(key, tuple) and isinstance(other, tuple):
        return len(key) == len(other) and all(_same(a, b) for a, b in zip(key, other, strict=True))
    if key is other:
        return True
    plain = (str, int, float, bool, type(None))
    return isinstance(key, plain) and isinstance(other, plain) and key == other


# shown(rows): the shown layer's rows of a pass whose deeper layers are still running (no hidden
# states nor residual stream yet).
Shown = Callable[[Rows], None]
# forward(ids, cache, last_layer, shown): the model on `ids` after the cache's positions (cache
# given), or on every position up to `last_layer` only (cache None), as `Rows` of the shown layer;
# `shown`, when given, may be called once, from inside the pass, as soon as the shown layer is done.
Forward = Callable[[np.ndarray, KeyValueCache | None, int | None, Shown | None], Rows]
# early(joined): `PrefixCache.run`'s joined rows of the shown layer, before the deeper layers end.
Early = Callable[[Joined], None]


class PrefixCache:
    """What the last run computed, so that the next one computes only what an edit changed.

    Holds at most one text's keys and values (GPT-2 124M, 1,024 tokens: 75 MB in float32), and
    references to the arrays of the last result (no copy: among them every layer's residual stream,
    (L + 1) × T × C float32 on the CPU, 40 MB for GPT-2 at 1,024 tokens, 142 MB for Llama 3.2 1B),
    and up to three recycled attention maps (`square_pool`); `clear` drops them, and a run with
    another model does so before its forward pass (the model itself is loaded, or found loaded, first).
    """

    def __init__(self) -> None:
        self._key: object = None
        self._ids: np.ndarray | None = None
        self._layer = 0
        self._keys_values: KeyValueCache | None = None
        self._joined: Joined | None = None
        self._squares = SquarePool()
        self.reused = 0
        """Positions the last run took from here instead of computing them."""
        self.computed = 0
        """Positions the last run computed (every position up to the layer, for a layer switch)."""

    def clear(self) -> None:
        self._key = self._ids = self._keys_values = self._joined = None
        self._squares.clear()
        self.reused = self.computed = 0

    @property
    def nbytes(self) -> int:
        """Bytes of the kept keys and values."""
        return 0 if self._keys_values is None else self._keys_values.nbytes

    def run(
        self,
        key: object,
        ids: np.ndarray,
        layer: int,
        layers: int,
        forward: Forward,
        early: Early | None = None,
    ) -> Joined:
        """Layer `layer`'s attention and the hidden states for `ids`, computing what the last run
        (made with the same `key`) does not already hold. `layers`: how many the model has.

        `early`: called with layer `layer`'s joined rows (no hidden states, no residual stream) as
        soon as the pass has been through that layer, when layers after it remain to be run: what
        shows that layer need not wait for the rest of the network. The returned `Joined` holds the
        same arrays, completed."""
        try:
            return self._run(key, np.asarray(ids), layer, layers, forward, early)
        except BaseException:
            self.clear()  # a pass that stopped half-way leaves layers out of step
            raise

    def _run(
        self, key: object, ids: np.ndarray, layer: int, layers: int, forward: Forward, early: Early | None
    ) -> Joined:
        if layer == layers - 1:
            early = None  # no layer runs after the shown one: the complete result comes as soon
        kept, cache = self._joined, self._keys_values
        same_key = kept is not None and cache is not None and self._ids is not None and _same(key, self._key)
        shared = common_prefix(self._ids, ids) if same_key else 0
        if same_key and layer != self._layer and shared == len(ids) == len(self._ids):
            rows = forward(ids, None, layer, None)
            self._squares.clear()  # they hold the other layer's maps
            joined = Joined(
                _numpy(rows.scores),
                _numpy(rows.weights),
                kept.hidden,
                None,
                None,
                rows.queries,
                keys=RowChunks.of(_own(rows.keys), 1),
                values=RowChunks.of(_own(rows.values), 1),
                residuals=kept.residuals,  # the same ids: the stream is the same
                added=kept.added,
            )
            self.reused, self.computed = 0, len(ids)
        elif same_key and layer == self._layer and shared > 0:
            cache.truncate(shared)
            if shared == len(ids):
                joined = kept.prefix(shared)
            else:
                joined = self._pass(kept, ids, shared, cache, forward, early)
            self.reused, self.computed = shared, len(ids) - shared
        else:
            self.clear()  # first, so the old model's keys and values are not held while this one runs
            cache = KeyValueCache(layers)
            joined = self._pass(None, ids, 0, cache, forward, early)
            self.reused, self.computed = 0, len(ids)
        self._key, self._ids, self._layer = key, ids.copy(), layer
        self._keys_values, self._joined = cache, joined
        return joined

    def _pass(
        self,
        kept: Joined | None,
        ids: np.ndarray,
        start: int,
        cache: KeyValueCache,
        forward: Forward,
        early: Early | None,
    ) -> Joined:
        """The model on `ids[start:]` after the `start` positions `cache` holds, joined to `kept`'s;
        with `early`, the shown layer's rows are joined (and handed over) before the deeper layers run."""
        pool = self._squares if kept is not None else None
        shown: list[Joined] = []

        def at_shown_layer(rows: Rows) -> None:
            shown.append(join(kept, rows, ids, pool))
            early(shown[0])

        rows = forward(ids[start:], cache, None, None if early is None else at_shown_layer)
        if shown:
            return with_deeper_layers(shown[0], kept, rows)
        return join(kept, rows, ids, pool)
