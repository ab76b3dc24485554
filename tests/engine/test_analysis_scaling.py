"""engine.analysis.softmax and .scaling: one query's attention with and without ÷√d."""

from __future__ import annotations

import math
from functools import cache

import numpy as np
import pytest
import torch

from engine.analysis.scaling import scaling_comparison
from engine.analysis.softmax import softmax
from engine.pipeline.results import PipelineResult
from engine.pipeline.run import run
from engine.settings import Settings

TEXT = "The quick brown fox jumps over the lazy dog."
"""Ten GPT-2 tokens."""


@cache
def result(text: str = TEXT, **settings: object) -> PipelineResult:
    """The pipeline's output on the CPU (dim 16, 2 heads: head size 8 by default)."""
    return run(text, Settings(device="cpu", **settings))  # type: ignore[arg-type]


def entropy(p: np.ndarray) -> float:
    return float(-(p * np.log(p)).sum())


@pytest.mark.parametrize(
    "scores",
    [[0.0], [1.0, 2.0, 3.0], [1000.0, 999.0, -1000.0], [-np.inf, 0.5, 0.5, -np.inf], [1e-9, -1e-9]],
)
def test_softmax_equals_torch_softmax(scores: list[float]) -> None:
    ours = softmax(np.array(scores, dtype=np.float32))
    assert ours.dtype == np.float64
    reference = torch.softmax(torch.tensor(scores, dtype=torch.float64), dim=0).numpy()
    np.testing.assert_allclose(ours, reference, rtol=1e-12, atol=0)
    assert ours.sum() == pytest.approx(1.0)


def test_softmax_by_hand() -> None:
    e = math.e
    np.testing.assert_allclose(softmax(np.array([0.0, 1.0])), [1 / (1 + e), e / (1 + e)], rtol=1e-15)
    np.testing.assert_array_equal(softmax(np.array([2.0, -np.inf])), [1.0, 0.0])


def test_scaling_comparison_gives_two_softmaxes_and_scaling_flattens_them() -> None:
    r = result()
    assert r.n_used == 10 and r.attention.causal and r.attention.scaled
    for head in range(r.attention.heads):
        for query in range(r.n_used):
            comparison = scaling_comparison(r, query, head)
            unscaled, scaled = comparison.unscaled, comparison.scaled
            assert comparison.head_size == 8
            assert unscaled.shape == scaled.shape == (query + 1,)
            assert unscaled.sum() == pytest.approx(1) and scaled.sum() == pytest.approx(1)
            # The pipeline's scores are scaled, so its weights are the scaled softmax.
            np.testing.assert_allclose(scaled, r.attention.weights[head, query, : query + 1], atol=1e-5)
            if query:
                assert scaled.max() < unscaled.max()
                assert entropy(scaled) > entropy(unscaled)


def test_scaling_comparison_equals_torch_on_the_raw_dot_products() -> None:
    # The reference: torch's softmax of the unscaled pipeline's scores (raw q·k), and of them ÷ √8.
    r = result(scaled=False)
    for query in (0, 4, 9):
        raw = torch.from_numpy(r.attention.scores[1, query, : query + 1]).double()
        comparison = scaling_comparison(r, query, head=1)
        np.testing.assert_allclose(comparison.unscaled, torch.softmax(raw, 0).numpy(), rtol=1e-6)
        np.testing.assert_allclose(comparison.scaled, torch.softmax(raw / math.sqrt(8), 0).numpy(), rtol=1e-6)


def test_scaling_comparison_recovers_raw_scores_from_either_setting() -> None:
    scaled_run, unscaled_run = result(), result(scaled=False)
    for query in (1, 5, 9):
        from_scaled = scaling_comparison(scaled_run, query)
        from_unscaled = scaling_comparison(unscaled_run, query)
        np.testing.assert_allclose(from_scaled.unscaled, from_unscaled.unscaled, atol=1e-5)
        np.testing.assert_allclose(from_scaled.scaled, from_unscaled.scaled, atol=1e-5)
        np.testing.assert_allclose(
            from_unscaled.unscaled, unscaled_run.attention.weights[0, query, : query + 1], atol=1e-5
        )


def test_scaling_comparison_without_the_mask_and_with_head_size_one() -> None:
    r = result(causal=False)
    comparison = scaling_comparison(r, 2, head=1)
    assert len(comparison.unscaled) == len(comparison.scaled) == r.n_used
    np.testing.assert_allclose(comparison.scaled, r.attention.weights[1, 2], atol=1e-5)
    # With one dimension per head, √d is 1: nothing changes.
    comparison = scaling_comparison(result(dim=2, heads=2), 6)
    assert comparison.head_size == 1
    np.testing.assert_allclose(comparison.unscaled, comparison.scaled)
    with pytest.raises(IndexError, match="query"):
        scaling_comparison(r, r.n_used)
    with pytest.raises(IndexError, match="head"):
        scaling_comparison(r, 0, head=2)
