"""The sampling lab: draw the next token many times and compare the counts with the probabilities.

`draw_many` makes N seeded draws from one `Distribution` at once (the same inverse-CDF rule and the
same random stream as N calls of `engine.sampling.distribution.sample`), `trace` lists the most likely
ids with every step from raw logit to observed frequency, and `chi_square` says how well the counts fit.
`next_logits` gives the logits one generation step sees, for callers that hold a model, not a
`PipelineResult` (the CLI).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from engine.errors import SettingsError
from engine.nn.model import GPT
from engine.note import note
from engine.sampling.distribution import Distribution

MAX_DRAWS = 10_000_000  # 10 M draws take a few seconds; more would only wait longer for the same picture
_CHUNK = 1 << 20  # draws per block: keeps memory flat for large N (the stream is the same as one block)
MIN_EXPECTED = 5.0  # the usual rule for a chi-square test: bins expected fewer times are pooled


@dataclass(frozen=True)
class Draws:
    """N seeded draws of the next token from one distribution.

    Attributes:
        distribution: what was sampled (its `probs` are the expected frequencies).
        counts: (V,) int64, how many times each output row was drawn; sums to `n`.
        n: the number of draws.
        seed: the numpy seed of the draws.
    """

    distribution: Distribution
    counts: np.ndarray
    n: int
    seed: int

    @property
    def frequencies(self) -> np.ndarray:
        """(V,) observed frequency of each row: counts / n."""
        return self.counts / self.n


@dataclass(frozen=True)
class TraceRow:
    """One id followed from its raw logit to how often it was drawn.

    Attributes:
        rank: 1 for the highest raw logit (ties: lower id first); temperature keeps this order.
        row: the output row (model id).
        logit, scaled, masked: raw logit, logit / temperature, and after top-k / top-p (-inf: cut).
        prob: the probability it is drawn with.
        count, frequency: how many of the N draws gave it, and that count / N.
    """

    rank: int
    row: int
    logit: float
    scaled: float
    masked: float
    prob: float
    count: int
    frequency: float

    @property
    def cut(self) -> bool:
        return bool(np.isneginf(self.masked))


@dataclass(frozen=True)
class Trace:
    """The top-ranked ids of a set of draws, and a summary of every other id.

    Attributes:
        rows: the `k` highest-logit ids, best first.
        rest_prob, rest_count: total probability and draws of all other ids.
        rest_drawn: how many distinct other ids were drawn at least once.
    """

    rows: tuple[TraceRow, ...]
    rest_prob: float
    rest_count: int
    rest_drawn: int


@dataclass(frozen=True)
class ChiSquare:
    """Pearson's goodness-of-fit test of the counts against the probabilities.

    Attributes:
        statistic: sum over bins of (observed - expected)² / expected.
        dof: degrees of freedom, bins - 1.
        p_value: chance of a statistic at least this large if the draws follow the probabilities;
            None when there is nothing to test: one bin (one id can be drawn, or every id is expected
            fewer than `min_expected` times and the pool is all there is).
    """

    statistic: float
    dof: int
    p_value: float | None


@torch.no_grad()
def next_logits(model: GPT, ids: np.ndarray | torch.Tensor) -> np.ndarray:
    """(V,) float64 logits for the token after `ids` (model ids), as one generation step sees them.

    Runs the model on the last `context` ids, like `engine.sampling.distribution.generate`.
    """
    model.eval()
    device = next(model.parameters()).device  # GPT and the open families alike
    window = torch.as_tensor(ids, dtype=torch.long)[-model.config.context :].to(device)
    return model(window[None]).logits[0, -1].to("cpu", torch.float64).numpy()  # (1, T, V) -> (V,)


def draw_many(distribution: Distribution, n: int, seed: int) -> Draws:
    """Draw `n` ids from `distribution.probs` with `numpy.random.default_rng(seed)`.

    Vectorised inverse CDF: draw i is what the i-th call of `engine.sampling.distribution.sample` with
    the same generator would return, so ids with probability 0 (cut, or everything but the argmax when
    greedy) are never drawn.
    """
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 1:
        raise SettingsError(
            note("the number of draws must be a positive whole number, not {value}", value=repr(n))
        )
    if n > MAX_DRAWS:
        raise SettingsError(note("at most {most} draws, not {value}", most=f"{MAX_DRAWS:,}", value=f"{n:,}"))
    probs = distribution.probs
    if not np.isfinite(probs).all() or not probs.sum() > 0:  # next_token_distribution never makes these
        raise SettingsError(note("nothing can be drawn: the probabilities are not finite or are all 0"))
    cumulative = np.cumsum(probs)
    last = int(np.flatnonzero(probs)[-1])  # rounding can push a draw past the end: clamp like `sample`
    generator = np.random.default_rng(seed)
    counts = np.zeros(len(probs), dtype=np.int64)
    remaining = int(n)
    while remaining:
        size = min(remaining, _CHUNK)
        rows = np.searchsorted(cumulative, generator.random(size) * cumulative[-1], side="right")
        counts += np.bincount(np.minimum(rows, last), minlength=len(probs))
        remaining -= size
    return Draws(distribution, counts, int(n), seed)


def trace(draws: Draws, k: int = 10) -> Trace:
    """The `k` ids with the highest raw logits, step by step, and what the rest add up to."""
    distribution = draws.distribution
    order = np.argsort(-distribution.logits, kind="stable")
    top, rest = order[:k], order[k:]
    rows = tuple(
        TraceRow(
            rank=rank,
            row=int(row),
            logit=float(distribution.logits[row]),
            scaled=float(distribution.scaled[row]),
            masked=float(distribution.masked[row]),
            prob=float(distribution.probs[row]),
            count=int(draws.counts[row]),
            frequency=float(draws.counts[row] / draws.n),
        )
        for rank, row in enumerate(top, start=1)
    )
    rest_counts = draws.counts[rest]
    return Trace(
        rows=rows,
        rest_prob=float(distribution.probs[rest].sum()),
        rest_count=int(rest_counts.sum()),
        rest_drawn=int(np.count_nonzero(rest_counts)),
    )


def chi_square(counts: np.ndarray, probs: np.ndarray, min_expected: float = MIN_EXPECTED) -> ChiSquare:
    """Pearson's chi-square test of `counts` against `probs`, pooling rarely expected ids.

    Ids with probability 0 are left out (a count there makes the statistic infinite). Ids expected
    fewer than `min_expected` times are pooled into one bin; if that bin is still too small it joins
    the smallest other bin. The p-value is the chi-square survival function, Q(dof / 2, statistic / 2).
    """
    counts = np.asarray(counts, dtype=np.float64)
    probs = np.asarray(probs, dtype=np.float64)
    n = counts.sum()
    if np.any(counts[probs <= 0] > 0):
        return ChiSquare(float("inf"), max(int(np.count_nonzero(probs)) - 1, 0), 0.0)
    expected = probs[probs > 0] * n
    observed = counts[probs > 0]
    small = expected < min_expected
    bins_expected = list(expected[~small])
    bins_observed = list(observed[~small])
    if small.any():
        pooled_expected, pooled_observed = float(expected[small].sum()), float(observed[small].sum())
        if pooled_expected < min_expected and bins_expected:
            smallest = int(np.argmin(bins_expected))
            bins_expected[smallest] += pooled_expected
            bins_observed[smallest] += pooled_observed
        else:
            bins_expected.append(pooled_expected)
            bins_observed.append(pooled_observed)
    e, o = np.array(bins_expected), np.array(bins_observed)
    statistic = float(((o - e) ** 2 / e).sum())
    dof = len(e) - 1
    if dof < 1:
        return ChiSquare(statistic, dof, None)
    p_value = torch.special.gammaincc(
        torch.tensor(dof / 2, dtype=torch.float64), torch.tensor(statistic / 2, dtype=torch.float64)
    )
    return ChiSquare(statistic, dof, float(p_value))
