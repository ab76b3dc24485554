"""An error's hints in the app's words: the key that opens the fix (`F2: encoding`, `F7: train`).

A setting the app has no key for (the device, the embedding size) can only be changed by starting
llm-tui again, so its hint names the command-line flag. The CLI words hints as flags (`tui.cli.hints`);
this module does not import it, so the app never depends on the command-line package.
"""

from __future__ import annotations

from engine.errors import Hint, UserError, join_alternatives

# The key that changes each setting, and what the footer calls it.
SETTING_KEYS = {"encoding": ("F2", "encoding"), "corpus": ("F3", "corpus"), "weights": ("F6", "model")}
# The key that does in the app what each `llm-tui` command does.
COMMAND_KEYS = {"train": ("F7", "train")}


def _flag(hint: Hint) -> str:
    """The flag to restart with: "--device cpu", "--allow-special", "a smaller --dim"."""
    flag = "--" + (hint.setting or "").replace("_", "-")
    if hint.lower:
        return f"a smaller {flag}"
    return flag if hint.value is None else f"{flag} {hint.value}"


def _term(hint: Hint) -> tuple[str, str]:
    """(verb, what): ("", "F2: encoding → regex-unk"), ("restart llm-tui with", "--device cpu")."""
    if hint.command is not None:
        if hint.command in COMMAND_KEYS:
            key, label = COMMAND_KEYS[hint.command]
            what = f"{key}: {label}"
        else:
            return ("run", f"`llm-tui {hint.command}` first {hint.purpose}".rstrip())
    elif hint.setting in SETTING_KEYS:
        key, label = SETTING_KEYS[hint.setting]
        what = f"{key}: {label}"
        if hint.lower:
            what += " → a smaller one"
        elif hint.value is not None:
            what += f" → {hint.value}"
    else:
        return ("restart llm-tui with", f"{_flag(hint)} {hint.purpose}".rstrip())
    return ("", f"{what}, {hint.purpose}" if hint.purpose else what)


def app_hint(hints: tuple[Hint, ...]) -> str:
    """What to do in the app, alternatives joined by "or": "F2: encoding → regex-unk, to map …"."""
    return join_alternatives([_term(hint) for hint in hints])


def app_message(error: UserError) -> str:
    """The error as the app shows it: its message, then the key (or flag) that gets past it."""
    return f"{error}; {app_hint(error.hints)}" if error.hints else str(error)
