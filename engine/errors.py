"""Errors a user can cause, each with a message the user understands.

The CLI and the app catch `UserError` at their edge and show `str(error)`, followed by the
error's `hints` in their own words: the CLI names a flag (`--encoding regex-unk`), the app a key
(`F2: encoding`). A message does not spell the flag that fixes it (that is the hint's job); a few
name the flag at fault (`--dim must be a multiple of --heads`), which reads right in both places.
Anything else is a programming error and may crash a test.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from engine.note import note


@dataclass(frozen=True)
class Hint:
    """One way past an error: change a setting, or run a command first.

    Attributes:
        setting: the setting that fixes it, by its `Settings` field or input switch name
            ("encoding", "device", "allow_special", "latin1"); None when `command` is the way.
        value: the value to give `setting` ("regex-unk", "cpu"); None for an on/off switch, or
            with `lower`.
        lower: a smaller value of `setting` fixes it (a size that does not fit in memory).
        command: the `llm-tui` command to run first ("train"); None when `setting` is the way.
        purpose: what following the hint does, worded to follow it ("to map unknown words to <|unk|>").
    """

    setting: str | None = None
    value: str | None = None
    lower: bool = False
    command: str | None = None
    purpose: str = ""

    def __post_init__(self) -> None:
        if (self.setting is None) == (self.command is None):
            raise ValueError("a Hint names either a setting or a command")


def join_alternatives(terms: Sequence[tuple[str, str]], joiner: str = " or ") -> str:
    """(verb, what) pairs joined by "or", a verb said once while it repeats.

    `[("use", "--device auto"), ("use", "--device cpu"), ("run", "`llm-tui train` first")]` gives
    "use --device auto or --device cpu or run `llm-tui train` first". The CLI and the app word
    each hint (`tui.cli.hints`, `tui.hints`) and join them with this (`joiner`: "or" in the
    learner's language).
    """
    return joiner.join(
        what if index and verb == terms[index - 1][0] else f"{verb} {what}".lstrip()
        for index, (verb, what) in enumerate(terms)
    )


class UserError(Exception):
    """Base class for errors caused by input, files or settings, not by a bug.

    Args:
        message: what went wrong, in words that hold in the CLI and in the app; a `Note`
            (`engine.note`) when the app says it in the learner's language (`message`).
        hint: what fixes it; a tuple gives alternatives ("--device auto or --device cpu").
    """

    def __init__(self, message: str = "", hint: Hint | tuple[Hint, ...] | None = None) -> None:
        super().__init__(message)
        self.hints: tuple[Hint, ...] = () if hint is None else (hint,) if isinstance(hint, Hint) else hint

    @property
    def message(self) -> str:
        """The message as it was given (a `Note` keeps its template); `str(error)` is its English."""
        return self.args[0] if self.args else ""

    @property
    def hint(self) -> Hint | None:
        """The first way past the error, or None when there is none to suggest."""
        return self.hints[0] if self.hints else None


def _shorten(word: str, limit: int = 40) -> str:
    """`repr(word)`, cut to about `limit` characters: a pasted 1 MB "word" must not fill the screen."""
    if len(word) <= limit:
        return repr(word)
    return f"{word[:limit]!r}… ({len(word):,} characters)"


class UnknownWordError(UserError):
    """The strict regex tokenizer met a word that is not in its vocabulary."""

    def __init__(self, word: str, position: int) -> None:
        super().__init__(
            note(
                "unknown word {word} at character {position}: the 'regex' tokenizer only knows words "
                "from its corpus",
                word=_shorten(word),
                position=position,
            ),
            Hint(setting="encoding", value="regex-unk", purpose=note("to map unknown words to <|unk|>")),
        )
        self.word = word
        self.position = position


class SpecialTokenError(UserError):
    """The text contains a special token such as <|endoftext|> and special tokens are not allowed."""

    def __init__(self, token: str, position: int) -> None:
        super().__init__(
            note(
                "the text contains the special token {token} at character {position}; it is refused by "
                "default because typed text should not inject control tokens",
                token=repr(token),
                position=position,
            ),
            Hint(setting="allow_special", purpose=note("to encode it as the special token")),
        )
        self.token = token
        self.position = position


class VocabError(UserError):
    """A shipped vocabulary file is missing or damaged."""


class CorpusError(UserError):
    """A corpus or text file cannot be used."""


class DeviceError(UserError):
    """The requested compute device is not available."""


class SettingsError(UserError):
    """A setting is out of range or inconsistent with another."""


class WeightsError(UserError):
    """A weights file or folder cannot be loaded (missing, damaged, pickled, or not a GPT-2)."""
