"""An error's hint in the app's words: the key that opens the fix (`F2: encoding`), or the flag to
restart with when the app has no key for the setting."""

from __future__ import annotations

import pytest

from engine.errors import Hint, UnknownWordError, UserError
from tui.hints import app_hint, app_message


@pytest.mark.parametrize(
    ("hint", "words"),
    [
        (Hint(setting="encoding", value="regex-unk"), "F2: encoding → regex-unk"),
        (Hint(setting="corpus"), "F3: corpus"),
        (Hint(setting="weights", purpose="with a smaller model"), "F6: model, with a smaller model"),
        (Hint(command="train"), "F7: train"),
        (Hint(setting="device", value="cpu"), "restart llm-tui with --device cpu"),
        (Hint(setting="allow_special"), "restart llm-tui with --allow-special"),
        (Hint(setting="context", lower=True), "restart llm-tui with a smaller --context"),
    ],
)
def test_each_kind_of_hint_in_keys(hint, words):
    assert app_hint((hint,)) == words


def test_alternatives_are_joined_by_or_and_restart_is_said_once():
    device = (Hint(setting="device", value="auto"), Hint(setting="device", value="cpu"))
    assert app_hint(device) == "restart llm-tui with --device auto or --device cpu"
    memory = (Hint(setting="device", value="cpu"), Hint(setting="weights", purpose="with a smaller model"))
    assert app_hint(memory) == "restart llm-tui with --device cpu or F6: model, with a smaller model"


def test_the_app_message_is_the_error_then_the_key():
    error = UnknownWordError("Zebra", 0)
    assert app_message(error) == (
        "unknown word 'Zebra' at character 0: the 'regex' tokenizer only knows words from its corpus; "
        "F2: encoding → regex-unk, to map unknown words to <|unk|>"
    )
    assert app_message(UserError("no hint here")) == "no hint here"


def test_a_setting_without_a_key_is_spelled_as_the_command_line_spells_it():
    from tui.cli.hints import setting_term
    from tui.cli.parser import shared_options
    from tui.hints import SETTING_KEYS

    for setting, action in shared_options().items():
        if setting in SETTING_KEYS:
            continue
        hint = Hint(setting=setting) if action.nargs == 0 else Hint(setting=setting, value="7")
        assert app_hint((hint,)) == f"restart llm-tui with {setting_term(hint)}"
        lower = Hint(setting=setting, lower=True)
        assert app_hint((lower,)) == f"restart llm-tui with {setting_term(lower)}"
