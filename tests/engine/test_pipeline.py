"""The pipeline end to end: deterministic, consistent with its parts, honest about truncation."""

import numpy as np
import pytest
import torch

from engine.errors import DeviceError, SettingsError, UnknownWordError
from engine.nn.device import pick_device
from engine.nn.positions import sinusoidal_positions
from engine.pipeline.run import run
from engine.settings import Settings
from engine.tokenize.registry import get_tokenizer

TEXT = "The lamp turned a little to the left, then a little more."


def test_same_seed_same_numbers_other_seed_other_numbers():
    first, again = run(TEXT, Settings()), run(TEXT, Settings())
    other = run(TEXT, Settings(seed=7))
    np.testing.assert_array_equal(first.embedded.input_vectors, again.embedded.input_vectors)
    np.testing.assert_array_equal(first.attention.weights, again.attention.weights)
    assert not np.allclose(first.attention.weights, other.attention.weights)


def test_result_is_consistent_with_its_parts():
    settings = Settings(encoding="cl100k_base", dim=8, heads=4)
    result = run(TEXT, settings)
    ids = get_tokenizer("cl100k_base").encode(TEXT)
    n = len(ids)
    assert result.tokens.ids.tolist() == ids and result.n_used == n
    embedded = result.embedded
    np.testing.assert_array_equal(embedded.token_vectors, embedded.token_table[ids])
    np.testing.assert_allclose(
        embedded.input_vectors, embedded.token_vectors + embedded.learned_positions, atol=1e-6
    )
    assert result.attention.weights.shape == (4, n, n)
    assert result.attention.mask.shape == (n, n)
    for array in (embedded.token_vectors, result.attention.weights):
        assert isinstance(array, np.ndarray) and array.dtype == np.float32


def test_sinusoidal_positions_setting():
    result = run(TEXT, Settings(positions="sinusoidal", dim=6, heads=3))
    n = result.n_used
    np.testing.assert_allclose(
        result.embedded.sinusoidal_positions, sinusoidal_positions(n, 6).numpy(), atol=1e-6
    )
    np.testing.assert_allclose(
        result.embedded.input_vectors,
        result.embedded.token_vectors + result.embedded.sinusoidal_positions,
        atol=1e-6,
    )


def test_switches_reach_attention():
    unmasked = run(TEXT, Settings(causal=False, scaled=False))
    assert not unmasked.attention.mask.any() and (unmasked.attention.weights > 0).all()
    assert unmasked.attention.causal is False and unmasked.attention.scaled is False


def test_long_text_is_tokenized_in_full_but_attended_up_to_context():
    result = run(TEXT * 20, Settings(context=32))
    assert len(result.tokens) > 32 and result.n_used == 32 and result.truncated
    assert result.attention.weights.shape[-1] == 32
    assert any("first 32" in note for note in result.notes)


def test_empty_text_gives_empty_arrays():
    result = run("", Settings())
    assert len(result.tokens) == 0 and result.n_used == 0
    assert result.embedded.input_vectors.shape == (0, 16)
    assert result.attention.weights.shape == (2, 0, 0)


def test_regex_corpus_setting(verdict_text):
    result = run("I had always thought", Settings(encoding="regex", corpus=verdict_text))
    assert result.tokens.vocab_size == 1130
    with pytest.raises(UnknownWordError):
        run("Zyzzyva", Settings(encoding="regex", corpus=verdict_text))


@pytest.mark.parametrize("settings", [Settings(dim=10, heads=4), Settings(dim=0), Settings(positions="rope")])
def test_bad_settings_are_clear_errors(settings):
    with pytest.raises(SettingsError):
        run(TEXT, settings)


def test_device_auto_and_unavailable():
    import torch

    assert pick_device("cpu").name == "cpu"
    assert "torch" in pick_device("auto").description
    if not torch.cuda.is_available():
        assert pick_device("auto").name in ("cpu", "mps")
        with pytest.raises(DeviceError, match="CUDA is not available"):
            pick_device("cuda")
    with pytest.raises(DeviceError):
        pick_device("tpu")


def test_random_weights_run_on_one_thread_and_restore_the_thread_count(monkeypatch):
    import engine.pipeline.run as pipeline_module

    seen = []
    original = pipeline_module._run_random
    monkeypatch.setattr(
        pipeline_module,
        "_run_random",
        lambda *args: seen.append(torch.get_num_threads()) or original(*args),
    )
    before = torch.get_num_threads()
    run("The robot lit the lamp.", Settings(encoding="gpt2"))
    assert seen == [1]
    assert torch.get_num_threads() == before
