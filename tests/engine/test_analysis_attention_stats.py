"""engine.analysis.attention_stats: head choice, entropy in bits, a query's top keys."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from engine.analysis.attention_stats import entropy_bits, head_weights, top_keys


def test_head_weights_takes_one_head_or_the_mean() -> None:
    weights = np.arange(2 * 3 * 3, dtype=np.float32).reshape(2, 3, 3)
    np.testing.assert_array_equal(head_weights(weights, 1), weights[1])
    np.testing.assert_array_equal(head_weights(weights, None), (weights[0] + weights[1]) / 2)


@pytest.mark.parametrize(
    ("weights", "bits"),
    [
        ([1.0], 0.0),
        ([0.5, 0.5], 1.0),
        ([0.25] * 4, 2.0),
        ([0.5, 0.25, 0.25], 1.5),  # -(½·log2 ½ + 2·¼·log2 ¼) = ½ + 1
        ([0.0, 1.0, 0.0], 0.0),  # masked keys (weight 0) add nothing, not NaN
        ([0.125] * 8 + [0.0] * 3, 3.0),
    ],
)
def test_entropy_bits_by_hand(weights: list[float], bits: float) -> None:
    assert entropy_bits(np.array(weights)) == pytest.approx(bits, abs=1e-12)


def test_entropy_bits_equals_torch_categorical_entropy() -> None:
    probs = np.random.default_rng(5).dirichlet(np.ones(50))
    nats = torch.distributions.Categorical(probs=torch.from_numpy(probs)).entropy().item()
    assert entropy_bits(probs) == pytest.approx(nats / math.log(2), rel=1e-12)


def test_entropy_bits_of_no_weight_is_nan() -> None:
    assert math.isnan(entropy_bits(np.zeros(4)))


def test_top_keys_largest_first_ties_by_index_and_no_zero_weights() -> None:
    row = np.array([0.1, 0.3, 0.0, 0.3, 0.2, 0.1, 0.0], dtype=np.float32)
    top = top_keys(row, 4)
    assert top.keys.tolist() == [1, 3, 4, 0]
    np.testing.assert_array_equal(top.weights, row[[1, 3, 4, 0]])
    assert top.weights.dtype == np.float32
    assert top.attended == 5
    assert top.entropy == pytest.approx(entropy_bits(row))
    everything = top_keys(row, 100)  # more asked for than have weight: the zeros are left out
    assert everything.keys.tolist() == [1, 3, 4, 0, 5]


def test_top_keys_of_a_causal_row() -> None:
    row = np.array([0.7, 0.3, 0.0, 0.0])  # query 1 under the mask sees keys 0 and 1
    top = top_keys(row, 1)
    assert top.keys.tolist() == [0] and top.attended == 2
    assert top.entropy == pytest.approx(-(0.7 * math.log2(0.7) + 0.3 * math.log2(0.3)))


def test_top_keys_break_long_runs_of_ties_by_index() -> None:
    # 120 keys in three tied groups: a sort that is not stable reorders them past ~16 elements.
    row = np.tile(np.array([0.01, 0.03, 0.02], dtype=np.float32), 40)
    top = top_keys(row, 60)
    assert top.keys.tolist() == list(range(1, 120, 3)) + list(range(2, 60, 3))
