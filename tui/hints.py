"""An error's hints in the app's words: the key that opens the fix (`F2: encoding`, `F7: train`).

A setting the app has no key for (the device, the embedding size) can only be changed by starting
llm-tui again, so its hint names the command-line flag. The CLI words hints as flags (`tui.cli.hints`);
this module does not import it, so the app never depends on the command-line package.
"""

from __future__ import annotations

from engine.errors import Hint, UserError, join_alternatives
from tui.i18n.strings import UiStrings, marked

# The key that changes each setting, and what the footer calls it.
SETTING_KEYS = {
    "encoding": ("F2", marked("encoding")),
    "corpus": ("F3", marked("corpus")),
    "weights": ("F6", marked("model")),
}
# The key that does in the app what each `llm-tui` command does.
COMMAND_KEYS = {"train": ("F7", marked("train"))}


def _flag(hint: Hint, strings: UiStrings) -> str:
    """The flag to restart with: "--device cpu", "--allow-special", "a smaller --dim"."""
    flag = "--" + (hint.setting or "").replace("_", "-")
    if hint.lower:
        return strings.say("a smaller {flag}", flag=flag)
    return flag if hint.value is None else f"{flag} {hint.value}"


def _term(hint: Hint, strings: UiStrings) -> tuple[str, str]:
    """(verb, what): ("", "F2: encoding → regex-unk"), ("restart llm-tui with", "--device cpu"),
    in the language of `strings` (the engine's purposes too, when they are notes)."""
    say = strings.say
    purpose = strings.say_note(hint.purpose)
    if hint.command is not None:
        if hint.command in COMMAND_KEYS:
            key, label = COMMAND_KEYS[hint.command]
            what = f"{key}: {say(label)}"
        else:
            first = say("`llm-tui {command}` first {purpose}", command=hint.command, purpose=purpose)
            return (say("run"), first.rstrip())  # an empty purpose leaves nothing but a space
    elif hint.setting in SETTING_KEYS:
        key, label = SETTING_KEYS[hint.setting]
        what = f"{key}: {say(label)}"
        if hint.lower:
            what += say(" → a smaller one")
        elif hint.value is not None:
            what += f" → {hint.value}"
    else:
        flag = _flag(hint, strings)
        with_purpose = say("{flag} {purpose}", flag=flag, purpose=purpose) if purpose else flag
        return (say("restart llm-tui with"), with_purpose)
    return ("", say("{what}, {purpose}", what=what, purpose=purpose) if purpose else what)


def app_hint(hints: tuple[Hint, ...], strings: UiStrings | None = None) -> str:
    """What to do in the app, alternatives joined by "or": "F2: encoding → regex-unk, to map …",
    in the language of `strings` (English by default)."""
    strings = strings or UiStrings("en")
    return join_alternatives([_term(hint, strings) for hint in hints], strings.say(" or "))


def app_message(error: UserError, strings: UiStrings | None = None) -> str:
    """The error as the app shows it: its message, then the key (or flag) that gets past it, in the
    language of `strings` (English by default; a message the engine made a note of is said in it)."""
    strings = strings or UiStrings("en")
    message = strings.say_note(error.message) or str(error)
    return (
        strings.say("{message}; {hint}", message=message, hint=app_hint(error.hints, strings))
        if error.hints
        else message
    )
