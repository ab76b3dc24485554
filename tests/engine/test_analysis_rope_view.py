"""The rotary view's maths (engine.analysis.rope_view) and grouped-query sharing (head_groups): by hand,
and against `transformers`' Llama rotary embedding on the tiny Llama's own config."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
import torch

from engine.analysis.head_groups import kv_group
from engine.analysis.rope_view import (
    distance_scores,
    fixed_query_key,
    rope_angles,
    rotate,
    shown_pairs,
    stretching,
    wavelengths,
)
from engine.analysis.scaling import head_size, scaling_comparison
from engine.nn.device import DeviceInfo
from engine.pipeline.run import run
from engine.settings import Settings
from tests.open_models import REPO, build_tiny_llama_cache

CPU = DeviceInfo("cpu", "cpu · test device")
INV_FREQ = 1.0 / 10000.0 ** (np.arange(0, 16, 2) / 16)  # the original RoPE, D = 16


@pytest.fixture(scope="module")
def tiny_llama(tmp_path_factory):
    """(the tiny Llama's pipeline result, the transformers model) from a temporary hub cache."""
    cache = tmp_path_factory.mktemp("hub")
    model, _tokenizer = build_tiny_llama_cache(cache)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("HF_HUB_CACHE", str(cache))
        patch.setenv("HF_HUB_OFFLINE", "1")
        result = run("Who are you? A pirate!", Settings(weights=REPO), CPU)
    return result, model


def test_angles_are_position_times_inverse_frequency() -> None:
    angles = rope_angles(np.array([0, 1, 5]), INV_FREQ)
    assert angles.shape == (3, 8)
    np.testing.assert_array_equal(angles[0], 0)
    np.testing.assert_allclose(angles[2], 5 * INV_FREQ)
    np.testing.assert_allclose(wavelengths(INV_FREQ)[0], 2 * np.pi)


@pytest.mark.parametrize(
    ("pairs", "shown"), [(1, [0]), (4, [0, 1, 2, 3]), (8, [0, 2, 4, 5, 7]), (64, [0, 16, 32, 47, 63])]
)
def test_shown_pairs_run_from_fastest_to_slowest(pairs: int, shown: list[int]) -> None:
    assert shown_pairs(pairs) == shown


def test_rotate_turns_each_half_pair_by_its_angle() -> None:
    vector = np.arange(1.0, 17.0)
    turned = rotate(vector, 3, INV_FREQ)
    angle = 3 * INV_FREQ
    first, second = vector[:8], vector[8:]
    np.testing.assert_allclose(turned[:8], first * np.cos(angle) - second * np.sin(angle))
    np.testing.assert_allclose(turned[8:], second * np.cos(angle) + first * np.sin(angle))
    np.testing.assert_allclose(np.linalg.norm(turned), np.linalg.norm(vector))  # a rotation keeps length


def test_the_score_depends_on_the_distance_only() -> None:
    query, key = fixed_query_key(16, seed=3)
    scores = distance_scores(query, key, INV_FREQ, 40, start=2, shift=777)
    # By hand, for a few (m, n) and (m + s, n + s):
    for m, n, s in [(2, 2, 777), (41, 2, 777), (10, 5, 1), (100, 60, 12345)]:
        here = rotate(query, m, INV_FREQ) @ rotate(key, n, INV_FREQ)
        there = rotate(query, m + s, INV_FREQ) @ rotate(key, n + s, INV_FREQ)
        assert here == pytest.approx(there, abs=1e-9)
    np.testing.assert_allclose(scores.scores, scores.shifted, atol=1e-9)
    assert scores.max_difference < 1e-9 and scores.shift == 777
    assert scores.scores[0] == pytest.approx(query @ key)  # distance 0: the rotations cancel
    by_hand = [rotate(query, 2 + d, INV_FREQ) @ rotate(key, 2, INV_FREQ) for d in range(40)]
    np.testing.assert_allclose(scores.scores, by_hand)
    assert np.ptp(scores.scores) > 1  # it does change with the distance


def test_stretching_sorts_pairs_into_kept_blended_and_stretched() -> None:
    unscaled = np.array([1.0, 0.1, 0.01, 0.001])
    scaled = np.array([1.0, 0.05, 0.01 / 8, 0.001 / 8])
    stretch = stretching(scaled, unscaled, factor=8.0)
    assert (stretch.kept, stretch.blended, stretch.stretched) == ((0,), (1,), (2, 3))
    np.testing.assert_allclose(stretch.ratio, [1, 2, 8, 8])


@pytest.mark.parametrize(
    ("head", "heads", "kv_heads", "expected"),
    [
        (0, 4, 2, (0, 0, 1)),
        (2, 4, 2, (1, 2, 3)),
        (3, 4, 2, (1, 2, 3)),
        (5, 32, 8, (1, 4, 7)),
        (3, 4, 4, (3, 3, 3)),
    ],
)
def test_kv_group(head: int, heads: int, kv_heads: int, expected: tuple[int, int, int]) -> None:
    group = kv_group(head, heads, kv_heads)
    assert (group.kv_head, group.first, group.last) == expected


def test_kv_group_refuses_heads_that_do_not_divide() -> None:
    with pytest.raises(ValueError, match="cannot share"):
        kv_group(0, 6, 4)


def test_the_tiny_llamas_frequencies_and_angles_match_transformers(tiny_llama) -> None:
    result, model = tiny_llama
    from transformers.models.llama.modeling_llama import LlamaRotaryEmbedding, apply_rotary_pos_emb

    rope = result.model.rope
    assert rope.kind == "llama3" and rope.factor == 32 and rope.head_dim == 8 and rope.original_context == 64
    reference = LlamaRotaryEmbedding(model.config)
    np.testing.assert_array_equal(rope.inv_freq, reference.inv_freq.numpy())
    np.testing.assert_allclose(rope.unscaled_inv_freq, 1.0 / 500000.0 ** (np.arange(0, 8, 2) / 8), rtol=1e-6)
    # Pair 0 is a fast wave (kept); pairs 1-3 have wavelengths over 64 positions: slowed 32 times.
    stretch = stretching(rope.inv_freq, rope.unscaled_inv_freq, rope.factor)
    assert (stretch.kept, stretch.blended, stretch.stretched) == ((0,), (), (1, 2, 3))
    positions = torch.arange(300)[None]
    cos, sin = reference(torch.zeros(1, dtype=torch.float32), positions)
    angles = rope_angles(np.arange(300), rope.inv_freq)
    np.testing.assert_allclose(np.cos(angles), cos[0, :, :4].numpy(), atol=2e-5)
    np.testing.assert_allclose(np.sin(angles), sin[0, :, 4:].numpy(), atol=2e-5)
    # One query and key rotated by transformers at (m, n) give the same score as ours.
    query, key = fixed_query_key(8)
    q = torch.tensor(query, dtype=torch.float32).repeat(1, 1, 300, 1)  # (B, H, T, D)
    k = torch.tensor(key, dtype=torch.float32).repeat(1, 1, 300, 1)
    q_rot, k_rot = apply_rotary_pos_emb(q, k, cos, sin)
    theirs = (q_rot[0, 0, 200:] * k_rot[0, 0, 200]).sum(-1).numpy()  # m = 200 + d, n = 200
    ours = distance_scores(query, key, rope.inv_freq, 100, start=200).scores
    np.testing.assert_allclose(ours, theirs, atol=1e-3)


def test_gpt2_style_results_have_no_rope_info() -> None:
    result = run("The robot lit the lamp.", Settings(device="cpu"), CPU)
    assert result.model is None and result.embedded.positions != "rotary"


def test_the_scaling_comparison_divides_by_the_models_own_head_size(tiny_llama) -> None:
    result, _model = tiny_llama
    assert head_size(result) == 8 == scaling_comparison(result, 3).head_size
    # A head wider than dim / heads (as Qwen3's): the rotary head_dim counts, not 32 / 4.
    wide = replace(result, model=replace(result.model, rope=replace(result.model.rope, head_dim=16)))
    assert head_size(wide) == 16 == scaling_comparison(wide, 3).head_size
