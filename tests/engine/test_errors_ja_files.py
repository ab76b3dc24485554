"""The errors about files, settings and the Hub (a text file that is not UTF-8, a missing corpus, a
malformed worked example, a model folder without its weights, a model not downloaded yet, settings
out of range, an unknown device) stay English on the command line (`str(error)`) and are said in
the learner's language in the app (`tui.hints.app_message`), from the catalogue, with no English
prose left."""

from __future__ import annotations

import pytest

from engine.errors import CorpusError, DeviceError, SettingsError, UserError, WeightsError
from engine.examples import load_example
from engine.hub import resolve_weights
from engine.inputs import read_corpus_file, read_text_file
from engine.settings import Settings
from tests.engine.japanese_errors import JA, assert_no_english_prose, said
from tui.hints import app_message


def test_a_text_file_that_is_not_utf8_names_the_byte_and_offers_latin1(tmp_path):
    path = tmp_path / "latin.txt"
    path.write_bytes(b"caf\xe9 au lait")
    with pytest.raises(CorpusError) as raised:
        read_text_file(path)
    error = raised.value
    assert str(error) == f"text file {str(path)!r} is not UTF-8 text (invalid byte 0xE9 at byte offset 3)"
    shown = app_message(error, JA)
    purpose = JA.say("to read it as Latin-1 (ISO-8859-1) text, if that is what it is")
    hint = f"{JA.say('restart llm-tui with')} {JA.say('{flag} {purpose}', flag='--latin1', purpose=purpose)}"
    assert shown == JA.say("{message}; {hint}", message=said(error.message), hint=hint)
    assert shown.startswith(f"テキストファイル {str(path)!r} は UTF-8 "), shown
    assert "0xE9" in shown and "text file" not in shown.replace(str(path), ""), shown
    assert_no_english_prose(shown, error)


def test_a_missing_corpus_says_it_is_a_corpus(tmp_path):
    path = tmp_path / "none.txt"
    with pytest.raises(CorpusError) as raised:
        read_corpus_file(path)
    error = raised.value
    assert str(error) == f"corpus {str(path)!r} does not exist"
    shown = app_message(error, JA)
    corpus = JA.say("{what} {path}", what=JA.say("corpus"), path=repr(str(path)))
    assert shown == JA.say("{what} does not exist", what=corpus)
    assert shown.startswith("コーパス ") and "corpus" not in shown.replace(str(path), ""), shown
    assert_no_english_prose(shown, error)


def test_a_worked_example_with_an_uneven_row_names_the_row(tmp_path):
    path = tmp_path / "mine.toml"
    path.write_text('tokens = ["a", "b"]\nvectors = [[1.0, 2.0], [3.0]]\n', encoding="utf-8")
    with pytest.raises(UserError) as raised:
        load_example(path)
    error = raised.value
    assert str(error) == f"{path}: vectors row 2 has 1 numbers, row 1 has 2"
    shown = app_message(error, JA)
    template = "{path}: {name} row {row} has {count} numbers, row 1 has {width}"
    assert shown == JA.say(template, path=path, name="vectors", row=2, count=1, width=2)
    assert "2 行目" in shown, shown
    assert_no_english_prose(shown, error)


def test_a_model_folder_without_its_weights_is_incomplete(tmp_path):
    folder = tmp_path / "my-model"
    folder.mkdir()
    (folder / "config.json").write_text("{}", encoding="utf-8")
    with pytest.raises(WeightsError) as raised:
        resolve_weights(str(folder))
    error = raised.value
    assert str(error) == (
        f"the model folder {folder} is incomplete: 1 of 1 weight files missing (model.safetensors) "
        f"in {folder}"
    )
    shown = app_message(error, JA)
    assert shown == said(error.message)
    assert shown.startswith(f"モデルのフォルダ {folder} は不完全です") and "model.safetensors" in shown, shown
    assert_no_english_prose(shown, error)


def test_a_model_not_downloaded_yet_says_how_to_download_it(monkeypatch, tmp_path):
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path))
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    with pytest.raises(WeightsError) as raised:
        resolve_weights("some-org/no-such-model")
    error = raised.value
    assert str(error) == f"the model some-org/no-such-model is not in the Hugging Face cache ({tmp_path})"
    shown = app_message(error, JA)
    purpose = JA.say("to fetch it from the Hugging Face Hub (once)")
    first = JA.say(
        "`llm-tui {command}` first {purpose}", command="download some-org/no-such-model", purpose=purpose
    )
    hint = f"{JA.say('run')} {first}"
    assert shown == JA.say("{message}; {hint}", message=said(error.message), hint=hint)
    assert "キャッシュ" in shown and "`llm-tui download some-org/no-such-model` で" in shown, shown
    assert_no_english_prose(shown, error)


@pytest.mark.parametrize(
    ("settings", "english", "template", "fields"),
    [
        (
            Settings(dim=10, heads=3),
            "--dim (10) must be a multiple of --heads (3)",
            "--dim ({dim}) must be a multiple of --heads ({heads})",
            {"dim": 10, "heads": 3},
        ),
        (
            Settings(seed=-1),
            "--seed must be between 0 and 9,223,372,036,854,775,807 (2**63 - 1), not -1",
            "--seed must be between 0 and {most} (2**63 - 1), not {seed}",
            {"most": "9,223,372,036,854,775,807", "seed": "-1"},
        ),
        (
            Settings(dropout=1.5),
            "--dropout 1.5: choose a probability from 0 up to (not including) 1",
            "--dropout {rate}: choose a probability from 0 up to (not including) 1",
            {"rate": 1.5},
        ),
    ],
)
def test_a_setting_out_of_range_names_its_flag(settings, english, template, fields):
    with pytest.raises(SettingsError) as raised:
        settings.validate()
    error = raised.value
    assert str(error) == english
    shown = app_message(error, JA)
    assert shown == JA.say(template, **fields)
    assert "してください" in shown, shown
    assert_no_english_prose(shown, error)


def test_an_unknown_device_lists_the_choices():
    from engine.nn.device import pick_device

    with pytest.raises(DeviceError) as raised:
        pick_device("tpu")
    error = raised.value
    assert str(error) == "unknown device 'tpu' (choose from auto, cpu, cuda, mps)"
    shown = app_message(error, JA)
    template = "unknown device {device} (choose from {choices})"
    assert shown == JA.say(template, device="'tpu'", choices="auto, cpu, cuda, mps")
    assert_no_english_prose(shown, error)
