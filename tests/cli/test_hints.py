"""An error's hint in command-line words: the engine's message names no flag, the CLI adds the flag
(`--encoding regex-unk`) or the command (`llm-tui train`) that gets past it."""

from __future__ import annotations

import pytest

import engine.locations
from engine.errors import Hint, SpecialTokenError, UnknownWordError, UserError
from tests.cli.helpers import run_cli
from tui.cli.hints import cli_hint, cli_message, setting_term


@pytest.mark.parametrize(
    ("hint", "words"),
    [
        (Hint(setting="encoding", value="regex-unk"), "use --encoding regex-unk"),
        (Hint(setting="allow_special"), "use --allow-special"),  # an on/off switch takes no value
        (Hint(setting="weights"), "use --weights PATH"),  # an option without a value: its metavar
        (Hint(setting="dim", lower=True), "use a smaller --dim"),
        (Hint(command="train"), "run `llm-tui train` first"),
        (Hint(setting="latin1", purpose="to read it as Latin-1"), "use --latin1 to read it as Latin-1"),
    ],
)
def test_each_kind_of_hint_in_flags(hint, words):
    assert cli_hint((hint,)) == words


def test_alternatives_are_joined_by_or_and_the_verb_is_said_once():
    device = (Hint(setting="device", value="auto"), Hint(setting="device", value="cpu"))
    assert cli_hint(device) == "use --device auto or --device cpu"
    mixed = (Hint(setting="weights"), Hint(command="train"))
    assert cli_hint(mixed) == "use --weights PATH or run `llm-tui train` first"


def test_the_message_is_the_error_then_its_hint():
    error = UserError("the 'tiny' weights: no trained model", Hint(command="train"))
    assert str(error) == "the 'tiny' weights: no trained model"
    assert cli_message(error) == "the 'tiny' weights: no trained model; run `llm-tui train` first"
    assert cli_message(UserError("no hint here")) == "no hint here"


def test_engine_messages_name_no_flag_and_their_hints_name_real_options():
    for error in (UnknownWordError("Zebra", 0), SpecialTokenError("<|endoftext|>", 3)):
        assert "--" not in str(error) and error.hint is not None
        assert setting_term(error.hint).startswith("--")


def test_a_hint_names_a_setting_or_a_command_and_the_setting_must_exist():
    with pytest.raises(ValueError):
        Hint()
    with pytest.raises(ValueError):
        Hint(setting="device", command="train")
    with pytest.raises(ValueError, match="no command-line option sets 'colour'"):
        setting_term(Hint(setting="colour"))


@pytest.mark.parametrize(
    ("argv", "ending"),
    [
        (
            ["tokenize", "--encoding", "regex", "Zebra"],
            "only knows words from its corpus; use --encoding regex-unk to map unknown words to <|unk|>",
        ),
        (["tokenize", "a <|endoftext|>"], "; use --allow-special to encode it as the special token"),
    ],
)
def test_the_command_line_prints_the_hint_in_flags(capsys, argv, ending):
    code, out, err = run_cli(capsys, *argv)
    assert code == 2 and out == "" and err.rstrip("\n").endswith(ending), err


def test_missing_tiny_weights_say_to_train_first(capsys, monkeypatch, tmp_path):
    monkeypatch.setattr(engine.locations, "default_tiny_checkpoint", lambda: tmp_path / "none.safetensors")
    code, _, err = run_cli(capsys, "inspect", "--weights", "tiny", "x")
    assert code == 2 and err.rstrip("\n").endswith(
        f"the 'tiny' weights: no trained model at {tmp_path / 'none.safetensors'}; run `llm-tui train` first"
    ), err
