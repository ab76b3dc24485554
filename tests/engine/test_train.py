"""Training a tiny GPT on the sample text, and its checkpoint."""

from dataclasses import replace

import numpy as np
import pytest
import torch

from engine.errors import CorpusError, SettingsError
from engine.nn.checkpoints import load_weights
from engine.tokenize.registry import get_tokenizer, sample_text
from engine.training.train import TINY_CONFIG, split_ids, train

SMALL = replace(TINY_CONFIG, context=16, dim=32, layers=1, heads=2)


@pytest.fixture(scope="module")
def sample_ids():
    return get_tokenizer("gpt2").encode(sample_text())


@pytest.fixture(scope="module")
def trained(sample_ids):
    calls = []

    def record(step, train_loss, val_loss):
        calls.append((step, train_loss, val_loss))
        return True

    return train(sample_ids, steps=30, seed=1, on_step=record), calls


def test_a_few_dozen_steps_lower_the_loss(trained, sample_ids):
    result, _ = trained
    distinct = len(set(sample_ids))
    assert result.config == replace(TINY_CONFIG, vocab_size=distinct + 1)
    assert result.steps == 30 and not result.cancelled
    # Untrained, the model is close to guessing uniformly among the compact vocabulary.
    assert result.initial_train_loss == pytest.approx(np.log(distinct + 1), abs=0.3)
    assert result.final_train_loss < result.initial_train_loss - 1.5
    assert np.mean(result.train_losses[-5:]) < np.mean(result.train_losses[:5]) - 1.0
    assert result.window == TINY_CONFIG.context


def test_on_step_reports_every_step_and_validation_every_ten(trained):
    result, calls = trained
    assert [step for step, _, _ in calls] == list(range(31))
    assert calls[0][1:] == (result.initial_train_loss, result.initial_val_loss)
    assert [step for step, _, val in calls if val is not None] == [0, 10, 20, 30]
    assert [step for step, _ in result.val_losses] == [0, 10, 20, 30]
    assert [loss for _, loss, _ in calls[1:]] == list(result.train_losses)


def test_checkpoint_reloads_to_identical_logits(trained, sample_ids, tmp_path):
    result, _ = trained
    path = result.save(tmp_path / "tiny.safetensors", {"corpus": "sample.txt"})
    loaded = load_weights(path)
    assert (loaded.kind, loaded.steps, loaded.encoding) == ("tiny", 30, "gpt2")
    assert loaded.config == result.config
    assert loaded.metadata["corpus"] == "sample.txt"
    assert float(loaded.metadata["train_loss"]) == pytest.approx(result.final_train_loss, abs=1e-4)
    assert loaded.name.startswith("tiny 4L·128d")
    np.testing.assert_array_equal(loaded.id_map.tokenizer_ids, result.id_map.tokenizer_ids)
    ids = torch.from_numpy(loaded.to_model_ids(sample_ids[:40]))[None]  # (1, 40)
    assert ids.max() < result.id_map.unk_id
    with torch.no_grad():
        assert torch.equal(loaded.model(ids).logits, result.model(ids).logits)
    assert loaded.to_tokenizer_ids(ids[0].numpy()).tolist() == sample_ids[:40]


def test_same_seed_same_run_and_the_global_rng_is_untouched(sample_ids):
    state = torch.random.get_rng_state()
    config = replace(SMALL, dropout=0.1)
    first = train(sample_ids, config, steps=4, seed=5)
    assert first.train_losses == train(sample_ids, config, steps=4, seed=5).train_losses
    assert first.train_losses != train(sample_ids, config, steps=4, seed=6).train_losses
    assert torch.equal(torch.random.get_rng_state(), state)


def test_returning_false_cancels(sample_ids):
    result = train(sample_ids, SMALL, steps=50, on_step=lambda step, *_: step < 3)
    assert result.cancelled and result.steps == 3 and len(result.train_losses) == 3


def test_split_is_ninety_ten_from_the_end():
    train_ids, val_ids = split_ids(np.arange(158), 0.1)
    assert train_ids.tolist() == list(range(142)) and val_ids.tolist() == list(range(142, 158))
    assert len(split_ids(np.arange(10), 0.0)[1]) == 0


def test_full_vocabulary_and_no_validation(sample_ids):
    ids = np.array(sample_ids) % 97
    result = train(ids, replace(SMALL, vocab_size=97), steps=2, val_fraction=0.0, compact_vocab=False)
    assert result.id_map is None and result.config.vocab_size == 97
    assert result.initial_val_loss is None and result.val_losses == ()
    with pytest.raises(SettingsError, match="does not fit"):
        train(sample_ids, replace(SMALL, vocab_size=97), steps=1, compact_vocab=False)


def test_short_corpus_trains_on_shorter_windows():
    result = train([5, 9, 5, 7, 5, 9], SMALL, steps=2, val_fraction=0.0)
    assert result.window == 5 and result.steps == 2


def test_too_short_corpus_is_refused():
    with pytest.raises(CorpusError, match="too few"):
        train([42], SMALL, steps=1)


@pytest.mark.parametrize("settings", [{"steps": -1}, {"batch_size": 0}, {"lr": 0.0}, {"val_fraction": 1.0}])
def test_bad_settings_are_refused(sample_ids, settings):
    with pytest.raises(SettingsError):
        train(sample_ids, SMALL, **{"steps": 1, **settings})


def test_memorising_is_a_validation_loss_well_above_its_lowest():
    from engine.training.train import MEMORISING_RISE, memorising_since

    assert memorising_since([]) is None and memorising_since([(0, 4.5)]) is None
    assert memorising_since([(0, 4.5), (10, 3.0), (20, 2.5)]) is None  # still falling
    assert memorising_since([(0, 4.5), (10, 3.0), (20, 3.0 * MEMORISING_RISE * 0.99)]) is None  # noise
    assert memorising_since([(0, 4.5), (10, 3.0), (20, 3.2), (30, 3.4)]) == (10, 3.0)
