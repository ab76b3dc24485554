"""The sampling lab: many seeded draws at once, checked against the probabilities they come from.

Reference values come from outside the project: the transformers GPT-2 (hf_gpt2 fixture) for the
logits and probabilities, and torch.special.gammaincc (the chi-square survival function) for p-values.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from engine.errors import SettingsError
from engine.nn.checkpoints import load_weights
from engine.sampling.distribution import next_token_distribution, sample
from engine.sampling.lab import MAX_DRAWS, chi_square, draw_many, next_logits, trace
from engine.tokenize.registry import get_tokenizer

TEXT = "The robot lit the lamp"
N = 1_000


def _p_value(statistic: float, dof: int) -> float:
    """P(chi-square with `dof` degrees of freedom >= statistic), from torch (outside the project)."""
    half = torch.tensor([dof / 2.0, statistic / 2.0], dtype=torch.float64)
    return float(torch.special.gammaincc(half[0], half[1]))


def _pearson(counts: np.ndarray, probs: np.ndarray) -> tuple[float, int]:
    """Pearson's statistic over the ids that can be drawn, every id expected fewer than 5 times pooled."""
    assert counts[probs == 0].sum() == 0
    counts, probs = counts[probs > 0], probs[probs > 0]
    expected = probs * counts.sum()
    large = expected >= 5
    observed_bins = [*counts[large], counts[~large].sum()] if (~large).any() else list(counts[large])
    expected_bins = [*expected[large], expected[~large].sum()] if (~large).any() else list(expected[large])
    observed_bins, expected_bins = np.array(observed_bins, float), np.array(expected_bins)
    assert expected_bins.min() >= 5, "pick data where the pooled bin is large enough for the test"
    return float(((observed_bins - expected_bins) ** 2 / expected_bins).sum()), len(expected_bins) - 1


@pytest.fixture(scope="module")
def reference_logits(hf_gpt2) -> tuple[np.ndarray, np.ndarray]:
    """(engine logits, transformers logits) for the token after TEXT."""
    folder, reference = hf_gpt2
    ids = get_tokenizer("gpt2").encode(TEXT)
    with torch.no_grad():
        expected = reference(torch.tensor([ids])).logits[0, -1].double().numpy()
    loaded = load_weights(folder)
    return next_logits(loaded.model, loaded.to_model_ids(ids)), expected


def test_next_logits_match_transformers(reference_logits):
    engine, expected = reference_logits
    np.testing.assert_allclose(engine, expected, atol=1e-4, rtol=0)


def test_draws_are_the_same_as_one_at_a_time_sampling():
    distribution = next_token_distribution(np.random.default_rng(0).normal(size=300), top_k=40)
    generator = np.random.default_rng(11)
    one_by_one = np.bincount([sample(distribution, generator) for _ in range(N)], minlength=300)
    draws = draw_many(distribution, N, seed=11)
    np.testing.assert_array_equal(draws.counts, one_by_one)
    assert draws.n == N and draws.seed == 11 and draws.counts.sum() == N
    np.testing.assert_allclose(draws.frequencies, one_by_one / N)


def test_same_seed_same_counts_other_seed_other_counts():
    distribution = next_token_distribution(np.random.default_rng(1).normal(size=50))
    np.testing.assert_array_equal(draw_many(distribution, N, 5).counts, draw_many(distribution, N, 5).counts)
    assert not np.array_equal(draw_many(distribution, N, 5).counts, draw_many(distribution, N, 6).counts)


def test_model_draws_fit_the_reference_softmax(reference_logits):
    """1,000 draws among the 20 most likely ids at temperature 1 (the random GPT-2 is near uniform over
    50,257 ids, so without top-k every id would be expected far fewer than 5 times)."""
    engine, expected = reference_logits
    distribution = next_token_distribution(engine, temperature=1.0, top_k=20)
    top = torch.topk(torch.from_numpy(expected), 20)
    reference = np.zeros_like(expected)
    reference[top.indices.numpy()] = torch.softmax(top.values, -1).numpy()
    np.testing.assert_allclose(distribution.probs, reference, atol=1e-5, rtol=0)

    draws = draw_many(distribution, N, seed=2024)
    statistic, dof = _pearson(draws.counts, reference)
    assert dof == 19 and _p_value(statistic, dof) > 0.001
    fit = chi_square(draws.counts, distribution.probs)
    # The engine tests its own probabilities, which differ from the reference's by float rounding.
    assert (fit.dof, fit.p_value) == (dof, pytest.approx(_p_value(statistic, dof), rel=1e-3))


def test_draws_at_temperature_one_land_near_the_probabilities():
    """A peaked distribution over 200 ids, with a tail of ids expected fewer than 5 times (pooled)."""
    distribution = next_token_distribution(np.random.default_rng(3).normal(size=200) * 2.0, temperature=1.0)
    draws = draw_many(distribution, N, seed=7)
    probs = distribution.probs
    # Ids expected at least 5 times (where the normal approximation holds): each frequency is within
    # 4 standard errors of its probability (binomial: sqrt(p(1-p)/N)), a few percent at most.
    common = probs * N >= 5
    assert common.sum() >= 10
    gaps = np.abs(draws.frequencies - probs)[common]
    assert np.all(gaps <= 4 * np.sqrt(probs * (1 - probs) / N)[common]) and gaps.max() < 0.05
    statistic, dof = _pearson(draws.counts, probs)
    assert dof >= 10 and _p_value(statistic, dof) > 0.001
    fit = chi_square(draws.counts, probs)
    assert fit.statistic == pytest.approx(statistic) and fit.dof == dof


def test_the_fit_test_rejects_draws_from_another_distribution():
    logits = np.random.default_rng(3).normal(size=200) * 2.0
    hot = draw_many(next_token_distribution(logits, temperature=1.5), N, seed=7)
    fit = chi_square(hot.counts, next_token_distribution(logits, temperature=1.0).probs)
    assert fit.p_value is not None and fit.p_value < 1e-6


def test_chi_square_pools_small_bins_and_matches_the_closed_form():
    # Expected 50, 30, 19, 1: the last is pooled, still under 5, so it joins the 19 → 3 bins, 2 dof.
    counts, probs = np.array([46, 33, 18, 3]), np.array([0.5, 0.3, 0.19, 0.01])
    statistic = (46 - 50) ** 2 / 50 + (33 - 30) ** 2 / 30 + (21 - 20) ** 2 / 20
    fit = chi_square(counts, probs)
    assert fit.dof == 2 and fit.statistic == pytest.approx(statistic)
    assert fit.p_value == pytest.approx(np.exp(-statistic / 2))  # chi-square, 2 dof: P(X >= x) = e^(-x/2)


def test_chi_square_with_one_bin_or_a_count_where_nothing_was_expected():
    assert chi_square(np.array([0, 10, 0]), np.array([0.0, 1.0, 0.0])).p_value is None
    fit = chi_square(np.array([1, 9, 0]), np.array([0.0, 0.5, 0.5]))
    assert fit.statistic == float("inf") and fit.p_value == 0.0


@pytest.mark.parametrize("temperature", [0.0, 1e-7])
def test_greedy_always_draws_the_argmax(reference_logits, temperature):
    engine, expected = reference_logits
    draws = draw_many(next_token_distribution(engine, temperature=temperature), 10_000, seed=1)
    assert draws.counts[int(np.argmax(expected))] == 10_000


@pytest.mark.parametrize(("top_k", "top_p"), [(5, None), (40, None), (None, 0.3), (50, 0.9)])
def test_draws_never_leave_the_kept_set(reference_logits, top_k, top_p):
    engine, expected = reference_logits
    distribution = next_token_distribution(engine, temperature=1.3, top_k=top_k, top_p=top_p)
    # The kept set from the reference logits: top-k by logit, then the nucleus of the renormalised softmax.
    scores = torch.from_numpy(expected) / 1.3
    order = torch.argsort(scores, descending=True, stable=True)
    if top_k:
        order = order[:top_k]
    if top_p:
        probs = torch.softmax(scores[order], -1)
        before = torch.cumsum(probs, 0) - probs
        order = order[before < top_p]
    kept = set(order.tolist())
    assert set(np.flatnonzero(distribution.probs).tolist()) == kept
    draws = draw_many(distribution, 20_000, seed=9)
    assert set(np.flatnonzero(draws.counts).tolist()) <= kept and draws.counts.sum() == 20_000


def test_trace_follows_each_id_from_logit_to_frequency():
    logits = np.log(np.array([0.05, 0.4, 0.1, 0.3, 0.15]))
    distribution = next_token_distribution(logits, temperature=2.0, top_k=3)
    draws = draw_many(distribution, N, seed=0)
    lab = trace(draws, k=4)
    assert [row.row for row in lab.rows] == [1, 3, 4, 2]  # by raw logit, best first
    assert [row.cut for row in lab.rows] == [False, False, False, True]
    for row in lab.rows:
        assert row.logit == logits[row.row] and row.scaled == pytest.approx(logits[row.row] / 2)
        assert row.prob == distribution.probs[row.row] and row.count == draws.counts[row.row]
        assert row.frequency == row.count / N
    assert lab.rows[3].masked == float("-inf") and lab.rows[3].count == 0
    assert lab.rest_count == draws.counts[0] == 0 and lab.rest_prob == 0 and lab.rest_drawn == 0
    assert sum(row.count for row in lab.rows) + lab.rest_count == N


@pytest.mark.parametrize("n", [0, -5, 2.5, True, MAX_DRAWS + 1])
def test_bad_numbers_of_draws_are_refused(n):
    with pytest.raises(SettingsError, match="draws"):
        draw_many(next_token_distribution(np.zeros(4)), n, seed=0)
