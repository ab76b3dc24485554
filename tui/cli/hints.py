"""An error's hints in command-line words: `--encoding regex-unk`, "run `llm-tui train` first".

The app words the same hints as keys (`tui.hints`); the engine's messages name neither.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from functools import cache

from engine.errors import Hint, UserError, join_alternatives
from tui.cli.parser import shared_options

_options: Callable[[], dict[str, argparse.Action]] = cache(shared_options)


def setting_term(hint: Hint) -> str:
    """How the command line sets `hint.setting`: "--encoding regex-unk", "--latin1", "a smaller --dim"."""
    action = _options().get(hint.setting)
    if action is None:
        raise ValueError(f"no command-line option sets {hint.setting!r}")
    flag = action.option_strings[-1]
    if hint.lower:
        return f"a smaller {flag}"
    if hint.value is not None:
        return f"{flag} {hint.value}"
    if action.nargs == 0:  # an on/off switch
        return flag
    return f"{flag} {action.metavar or hint.setting.upper()}"


def cli_hint(hints: tuple[Hint, ...]) -> str:
    """What to do, alternatives joined by "or": "use --device auto or --device cpu"."""
    terms = []
    for hint in hints:
        verb, what = (
            ("run", f"`llm-tui {hint.command}` first") if hint.command else ("use", setting_term(hint))
        )
        terms.append((verb, f"{what} {hint.purpose}" if hint.purpose else what))
    return join_alternatives(terms)


def cli_message(error: UserError) -> str:
    """The error as the command line prints it: its message, then the way out in flags."""
    return f"{error}; {cli_hint(error.hints)}" if error.hints else str(error)
