"""Attention against PyTorch's scaled_dot_product_attention."""

import pytest
import torch
import torch.nn.functional as F

from engine.nn.attention import MultiHeadAttention, attend


def _inputs(batch=2, length=7, dim=12, seed=0):
    return torch.randn(batch, length, dim, generator=torch.Generator().manual_seed(seed))


@pytest.mark.parametrize("heads", [1, 2, 3, 4])
@pytest.mark.parametrize("causal", [True, False])
@pytest.mark.parametrize("scaled", [True, False])
def test_weights_and_context_equal_sdpa(heads, causal, scaled):
    attention = MultiHeadAttention(12, 12, heads, qkv_bias=True, seed=heads).eval()
    with torch.no_grad():
        result = attention(_inputs(), causal=causal, scaled=scaled)
        scale = None if scaled else 1.0
        q, k, v = result.queries, result.keys, result.values
        # sdpa returns weights @ values; with values = identity it returns the weights themselves.
        identity = torch.eye(q.shape[-2]).expand(*q.shape[:-1], q.shape[-2])
        expected_weights = F.scaled_dot_product_attention(q, k, identity, is_causal=causal, scale=scale)
        expected_context = F.scaled_dot_product_attention(q, k, v, is_causal=causal, scale=scale)
    assert result.weights.shape == (2, heads, 7, 7)
    torch.testing.assert_close(result.weights, expected_weights, atol=1e-5, rtol=0)
    torch.testing.assert_close(result.context, expected_context, atol=1e-5, rtol=0)


def test_masked_weights_are_exactly_zero_and_rows_sum_to_one():
    with torch.no_grad():
        result = MultiHeadAttention(12, 12, 3, seed=5)(_inputs(length=9))
    above_diagonal = torch.triu(torch.ones(9, 9, dtype=torch.bool), diagonal=1)
    assert torch.equal(result.mask, above_diagonal)
    assert (result.weights[..., above_diagonal] == 0).all()
    assert (result.weights[..., ~above_diagonal] > 0).all()
    torch.testing.assert_close(result.weights.sum(-1), torch.ones(2, 3, 9), atol=1e-6, rtol=0)


def test_without_mask_every_key_gets_weight():
    with torch.no_grad():
        result = MultiHeadAttention(12, 12, 2, seed=5)(_inputs(), causal=False)
    assert not result.mask.any()
    assert (result.weights > 0).all()


def test_scaling_divides_scores_by_sqrt_head_dim():
    attention = MultiHeadAttention(12, 12, 3, seed=1)
    with torch.no_grad():
        scaled = attention(_inputs(), scaled=True).scores
        raw = attention(_inputs(), scaled=False).scores
    torch.testing.assert_close(scaled, raw / 2.0)  # head size 4


def test_output_merges_heads_through_projection():
    attention = MultiHeadAttention(12, 8, 2, seed=3)
    with torch.no_grad():
        result = attention(_inputs())
        merged = result.context.transpose(1, 2).reshape(2, 7, 8)
        torch.testing.assert_close(result.output, attention.out_proj(merged))
    assert result.output.shape == (2, 7, 8)


def test_seeded_modules_are_reproducible_and_heads_must_divide():
    a = MultiHeadAttention(6, 6, 2, seed=9)
    b = MultiHeadAttention(6, 6, 2, seed=9)
    for p, q in zip(a.parameters(), b.parameters(), strict=True):
        assert torch.equal(p, q)
    with pytest.raises(ValueError):
        MultiHeadAttention(6, 6, 4)


def test_dropout_only_while_training():
    attention = MultiHeadAttention(12, 12, 2, dropout=0.5, seed=2)
    torch.manual_seed(0)
    trained = attention.train()(_inputs()).weights
    assert (trained == 0).sum() > (attention.eval()(_inputs()).weights == 0).sum()


def test_attend_on_empty_sequence():
    empty = torch.zeros(1, 2, 0, 4)
    scores, mask, weights, context = attend(empty, empty, empty)
    assert weights.shape == (1, 2, 0, 0) and context.shape == (1, 2, 0, 4)
