"""The errors a run raises (weights, tokenizers, sampling, training) stay English on the command line
(`str(error)`) and are said in the learner's language in the app (`tui.hints.app_message`), from
the catalogue, with no English prose left."""

from __future__ import annotations

import numpy as np
import pytest

import engine.locations
from engine.errors import CorpusError, SettingsError, WeightsError
from engine.nn.model import GPTConfig
from engine.pipeline.run import run
from engine.sampling.distribution import next_token_distribution
from engine.sampling.lab import draw_many
from engine.settings import Settings
from engine.tokenize.hf import HfTokenizer
from engine.training.train import train
from engine.training.windows import sliding_windows
from tests.engine.japanese_errors import JA, assert_no_english_prose, said
from tui.hints import app_message


def test_missing_tiny_weights_say_to_train_first(monkeypatch, tmp_path):
    missing = tmp_path / "none.safetensors"
    monkeypatch.setattr(engine.locations, "default_tiny_checkpoint", lambda: missing)
    with pytest.raises(WeightsError) as raised:
        run("hello", Settings(weights="tiny"))
    error = raised.value
    assert str(error) == f"the 'tiny' weights: no trained model at {missing}"
    shown = app_message(error, JA)
    hint = f"F7: {JA.say('train')}"
    assert shown == JA.say("{message}; {hint}", message=said(error.message), hint=hint)
    assert shown.startswith("'tiny' の重み: ") and str(missing) in shown, shown
    assert_no_english_prose(shown, error)


def test_gpt2_missing_from_the_cache_points_at_the_model_key(monkeypatch):
    monkeypatch.setattr(engine.locations, "find_hf_cache_gpt2", lambda: None)
    with pytest.raises(WeightsError) as raised:
        run("hello", Settings(weights="gpt2"))
    error = raised.value
    assert str(error) == (
        "the 'gpt2' weights: no GPT-2 in the Hugging Face cache (looked for models--gpt2 and "
        "models--openai-community--gpt2 with model.safetensors)"
    )
    shown = app_message(error, JA)
    purpose = JA.say("with a GPT-2 folder or .safetensors file instead")
    hint = JA.say("{what}, {purpose}", what=f"F6: {JA.say('model')}", purpose=purpose)
    assert shown == JA.say("{message}; {hint}", message=said(error.message), hint=hint)
    assert "代わりに" in shown, shown
    assert_no_english_prose(shown, error)


def test_an_unknown_encoding_names_the_ones_there_are():
    with pytest.raises(SettingsError) as raised:
        run("hello", Settings(encoding="no-such-encoding"))
    error = raised.value
    assert str(error).startswith("unknown encoding or model 'no-such-encoding' (available: regex, ")
    assert str(error).endswith(", or a model name)")
    shown = app_message(error, JA)
    assert shown == said(error.message) and "'no-such-encoding'" in shown, shown
    assert_no_english_prose(shown, error)


def test_a_model_folder_without_a_tokenizer(tmp_path):
    with pytest.raises(WeightsError) as raised:
        HfTokenizer(tmp_path)
    error = raised.value
    assert str(error) == f"the model folder {tmp_path} has no tokenizer.json"
    shown = app_message(error, JA)
    assert shown == said(error.message) and "tokenizer.json" in shown, shown
    assert_no_english_prose(shown, error)


def test_training_refuses_bad_settings_and_a_corpus_too_short():
    config = GPTConfig(vocab_size=8, context=4, dim=8, heads=2, layers=1)
    with pytest.raises(SettingsError) as steps:
        train(np.arange(8), config, steps=-1)
    assert str(steps.value) == "--steps must be 0 or more, not -1"
    with pytest.raises(CorpusError) as short:
        train(np.array([1]), config, steps=1)
    assert str(short.value) == "the corpus has 1 tokens: too few to train on (at least 2 for training)"
    for error in (steps.value, short.value):
        shown = app_message(error, JA)
        assert shown == said(error.message) != str(error), shown
        assert_no_english_prose(shown, error)
    assert app_message(steps.value, JA).startswith("--steps は 0 以上")


def test_sampling_and_windows_that_cannot_be_made():
    distribution = next_token_distribution(np.array([0.0, 1.0, 2.0]))
    with pytest.raises(SettingsError) as draws:
        draw_many(distribution, 0, seed=0)
    assert str(draws.value) == "the number of draws must be a positive whole number, not 0"
    with pytest.raises(SettingsError) as memory:
        sliding_windows(np.arange(1000), 10, 1, limit=1000)
    assert str(memory.value) == (
        "990 pairs of 10 ids need 158.4 KB but only 1.0 KB of memory is available; use a smaller "
        "--max-length or a larger --stride"
    )
    for error in (draws.value, memory.value):
        shown = app_message(error, JA)
        assert shown == said(error.message) != str(error), shown
        assert_no_english_prose(shown, error)
    assert "990" in app_message(memory.value, JA) and "--stride" in app_message(memory.value, JA)
