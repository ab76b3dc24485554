"""Temperature, top-k, top-p and seeded sampling, on hand-made distributions and a small model."""

import itertools

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from engine.errors import SettingsError
from engine.nn.model import GPT, GPTConfig
from engine.sampling.distribution import generate, next_token_distribution, sample

CONFIG = GPTConfig(vocab_size=50, context=8, dim=16, layers=1, heads=2)


@pytest.fixture(scope="module")
def model():
    return GPT(CONFIG, seed=0).eval()


def _greedy(model, prompt, n):
    tokens = list(prompt)
    with torch.no_grad():
        for _ in range(n):
            logits = model(torch.tensor([tokens[-CONFIG.context :]])).logits[0, -1]
            tokens.append(int(logits.argmax()))
    return tokens[len(prompt) :]


PROBS = np.array([0.5, 0.3, 0.15, 0.05])


def test_steps_are_kept():
    logits = np.log(PROBS)
    distribution = next_token_distribution(logits, temperature=2.0, top_k=3)
    np.testing.assert_array_equal(distribution.logits, logits)
    np.testing.assert_allclose(distribution.scaled, logits / 2)
    assert np.isneginf(distribution.masked[3]) and np.isfinite(distribution.masked[:3]).all()
    expected = np.sqrt(PROBS[:3]) / np.sqrt(PROBS[:3]).sum()
    np.testing.assert_allclose(distribution.probs, [*expected, 0])


def test_temperature_sharpens_and_flattens():
    logits = np.log(PROBS)
    cold = next_token_distribution(logits, temperature=0.5).probs
    hot = next_token_distribution(logits, temperature=2.0).probs
    np.testing.assert_allclose(next_token_distribution(logits).probs, PROBS)
    assert cold[0] > PROBS[0] > hot[0]
    assert cold[3] < PROBS[3] < hot[3]


@pytest.mark.parametrize(
    ("top_p", "kept"),
    [(0.4, [0]), (0.5, [0]), (0.8, [0, 1]), (0.81, [0, 1, 2]), (0.96, [0, 1, 2, 3]), (1.0, [0, 1, 2, 3])],
)
def test_top_p_keeps_the_fewest_ids_that_reach_p(top_p, kept):
    order = [2, 0, 3, 1]  # shuffle the ids so the cut must follow probabilities, not positions
    logits = np.log(PROBS[order])
    distribution = next_token_distribution(logits, temperature=1.0, top_p=top_p)
    kept_ids = sorted(order.index(rank) for rank in kept)
    assert np.flatnonzero(distribution.probs).tolist() == kept_ids
    np.testing.assert_allclose(distribution.probs[kept_ids], PROBS[order][kept_ids] / PROBS[kept].sum())
    assert np.isneginf(np.delete(distribution.masked, kept_ids)).all()


def test_top_k_keeps_exactly_k_and_ties_go_to_lower_ids():
    distribution = next_token_distribution(np.array([1.0, 3.0, 3.0, 3.0, 0.0]), top_k=2)
    assert np.flatnonzero(distribution.probs).tolist() == [1, 2]
    np.testing.assert_allclose(distribution.probs[[1, 2]], [0.5, 0.5])


def test_top_k_then_top_p():
    distribution = next_token_distribution(np.log([0.1, 0.4, 0.2, 0.3]), top_k=3, top_p=0.7)
    # top-k drops id 0; renormalised 4/9, 3/9, 2/9: 4/9 < 0.7 <= 7/9 keeps ids 1 and 3
    assert np.flatnonzero(distribution.probs).tolist() == [1, 3]


@pytest.mark.parametrize("temperature", [0.0, 1e-7, 1e-6])
def test_temperature_zero_is_greedy(temperature):
    logits = np.array([0.3, 2.5, -1.0, 2.4])
    distribution = next_token_distribution(logits, temperature=temperature)
    assert distribution.greedy
    assert distribution.probs.tolist() == [0, 1, 0, 0]
    generator = np.random.default_rng(0)
    assert {sample(distribution, generator) for _ in range(50)} == {1}


def test_suppressed_ids_are_never_chosen():
    logits = np.array([5.0, 0.0, 0.0])
    assert next_token_distribution(logits, temperature=0, suppressed=[0]).probs.tolist() == [0, 1, 0]
    distribution = next_token_distribution(logits, suppressed=[0])
    assert distribution.probs[0] == 0
    generator = np.random.default_rng(1)
    assert 0 not in {sample(distribution, generator) for _ in range(200)}


def test_cut_ids_are_never_drawn():
    distribution = next_token_distribution(np.zeros(10), top_k=3)
    generator = torch.Generator().manual_seed(0)
    assert {sample(distribution, generator) for _ in range(300)} == {0, 1, 2}


@pytest.mark.parametrize(
    "generator", [np.random.default_rng(2024), torch.Generator().manual_seed(2024)], ids=["numpy", "torch"]
)
def test_draws_follow_the_probabilities(generator):
    """Chi-square goodness of fit, 2,000 draws over 6 ids: the statistic must stay under 20.52,
    the 99.9% quantile of chi-square with 5 degrees of freedom (fixed seeds, so never flaky)."""
    logits = np.array([1.2, 0.3, -0.5, 0.9, 0.0, -1.5])
    distribution = next_token_distribution(logits, temperature=1.0)
    draws = 2000
    counts = np.bincount([sample(distribution, generator) for _ in range(draws)], minlength=6)
    expected = distribution.probs * draws
    assert ((counts - expected) ** 2 / expected).sum() < 20.52


def test_sample_uses_only_the_generator_passed_in():
    distribution = next_token_distribution(np.zeros(100))
    state = torch.random.get_rng_state()
    first = [sample(distribution, np.random.default_rng(5)) for _ in range(3)]
    assert first == [sample(distribution, np.random.default_rng(5)) for _ in range(3)]
    assert torch.equal(torch.random.get_rng_state(), state)


def test_generation_is_reproducible_with_a_seed(model):
    prompt = [3, 14, 15]
    first = list(generate(model, prompt, 12, temperature=1.0, seed=7))
    assert first == list(generate(model, prompt, 12, temperature=1.0, seed=7))
    assert first != list(generate(model, prompt, 12, temperature=1.0, seed=8))
    assert len(first) == 12 and all(0 <= token < CONFIG.vocab_size for token in first)


@pytest.mark.parametrize(
    "settings",
    [
        {"temperature": 0.0},
        {"temperature": 1e-9, "seed": 3},
        {"temperature": 1.0, "top_k": 1, "seed": 4},
        {"temperature": 5.0, "top_k": 1, "top_p": 0.5, "seed": 5},
    ],
)
def test_greedy_settings_equal_argmax(model, settings):
    prompt = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]  # longer than the context: the window must slide
    assert list(generate(model, prompt, 10, **settings)) == _greedy(model, prompt, 10)


def test_generate_yields_one_token_at_a_time(model):
    tokens = generate(model, np.array([1, 2]), max_new_tokens=10**9)
    assert len(list(itertools.islice(tokens, 3))) == 3


def test_generate_accepts_tensors_and_suppresses_ids(model):
    banned = _greedy(model, [4, 5], 1)[0]
    tokens = list(generate(model, torch.tensor([4, 5]), 20, temperature=0, suppressed=[banned]))
    assert banned not in tokens


@pytest.mark.parametrize(
    "settings",
    [{"temperature": -1.0}, {"top_k": -2}, {"top_p": 0.0}, {"top_p": 1.5}, {"max_new_tokens": -1}],
)
def test_bad_settings_are_refused_before_generating(model, settings):
    arguments = {"max_new_tokens": 3, **settings}
    with pytest.raises(SettingsError):
        generate(model, [1], **arguments)


def test_empty_prompt_is_refused(model):
    with pytest.raises(SettingsError, match="at least one token"):
        generate(model, [], 3)


def _uncached(model, prompt, n, seed, context):
    """The reference: every step runs the whole window afresh, then the same draw."""
    tokens, rng = list(prompt), np.random.default_rng(seed)
    with torch.no_grad():
        for _ in range(n):
            logits = model(torch.tensor([tokens[-context:]])).logits[0, -1]
            tokens.append(sample(next_token_distribution(logits, temperature=1.0), rng))
    return tokens[len(prompt) :]


@pytest.mark.parametrize("prompt", [[3, 14, 15], [1, 2, 3, 4, 5, 6]])  # the second crosses the context
def test_cached_generation_equals_uncached_steps(model, prompt):
    assert list(generate(model, prompt, 10, temperature=1.0, seed=11)) == _uncached(
        model, prompt, 10, 11, CONFIG.context
    )


def test_cached_generation_of_an_open_family_equals_uncached_steps():
    from engine.nn.decoder import DecoderLM
    from engine.nn.decoder_config import DecoderConfig

    config = DecoderConfig(
        vocab_size=50, context=32, dim=16, layers=2, heads=4, kv_heads=2, head_dim=4, mlp_dim=32,
        sliding_window=3, sliding_layers=(1,),
    )  # fmt: skip
    decoder = DecoderLM(config, seed=1).eval()
    assert list(generate(decoder, [5, 6, 7], 10, temperature=1.0, seed=2)) == _uncached(
        decoder, [5, 6, 7], 10, 2, config.context
    )


@given(
    logits=hnp.arrays(np.float32, st.integers(1, 300), elements=st.sampled_from([-2.0, 0.0, 0.5, 1.0, 3.0])),
    k=st.integers(1, 320),
)
def test_top_k_ids_are_a_full_stable_sort_cut_at_k(logits, k):
    """Many ties: the partial sort must give exactly the full sort's ids, lower id first on a tie."""
    distribution = next_token_distribution(logits, temperature=1.0)
    ids, probs = distribution.top(k)
    expected = np.argsort(-distribution.probs, kind="stable")[:k]
    assert ids.tolist() == expected.tolist()
    np.testing.assert_array_equal(probs, distribution.probs[expected])
